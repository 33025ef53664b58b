# Identity service (served under the path base /identity). Build from the repository root:
#   docker build -f infra/docker/identity.Dockerfile -t saasreference-identity:local .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Restore layer: only what restore reads (root build files and the project graph's csproj files),
# so that a source-only change reuses the restored packages.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/SaaSReference.Identity/SaaSReference.Identity.csproj src/SaaSReference.Identity/
COPY src/SaaSReference.ServiceDefaults/SaaSReference.ServiceDefaults.csproj src/SaaSReference.ServiceDefaults/
COPY src/SaaSReference.Database/SaaSReference.Database.csproj src/SaaSReference.Database/
COPY src/SaaSReference.Contracts/SaaSReference.Contracts.csproj src/SaaSReference.Contracts/
RUN dotnet restore src/SaaSReference.Identity/SaaSReference.Identity.csproj
COPY src/ src/
# SaaSReference.Database embeds the schema scripts from infra/postgres (identity tables and keys).
COPY infra/postgres/ infra/postgres/
RUN dotnet publish src/SaaSReference.Identity/SaaSReference.Identity.csproj --no-restore -c Release -o /app/publish -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
# curl for the HEALTHCHECK (the runtime image has no HTTP client).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/publish ./
# The non-root "app" user that the image provides (by uid, so that orchestrators can verify non-root).
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "3", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["dotnet", "SaaSReference.Identity.dll"]
