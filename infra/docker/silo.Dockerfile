# Orleans silo with its co-hosted HTTP API. Build from the repository root:
#   docker build -f infra/docker/silo.Dockerfile -t saasreference-silo:local .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Restore layer: only what restore reads (root build files and the project graph's csproj files),
# so that a source-only change reuses the restored packages.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/SaaSReference.Silo/SaaSReference.Silo.csproj src/SaaSReference.Silo/
COPY src/SaaSReference.ServiceDefaults/SaaSReference.ServiceDefaults.csproj src/SaaSReference.ServiceDefaults/
COPY src/SaaSReference.Contracts/SaaSReference.Contracts.csproj src/SaaSReference.Contracts/
COPY src/SaaSReference.Grains/SaaSReference.Grains.csproj src/SaaSReference.Grains/
COPY src/SaaSReference.Database/SaaSReference.Database.csproj src/SaaSReference.Database/
RUN dotnet restore src/SaaSReference.Silo/SaaSReference.Silo.csproj
COPY src/ src/
# SaaSReference.Database embeds the schema scripts from infra/postgres: the platform's (*.sql) and the region
# databases' (region/*.sql); the folder is copied whole.
COPY infra/postgres/ infra/postgres/
RUN dotnet publish src/SaaSReference.Silo/SaaSReference.Silo.csproj --no-restore -c Release -o /app/publish -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
# curl for the HEALTHCHECK (the runtime image has no HTTP client).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/publish ./
# Mount points of the silo's volumes (docker-compose.yml): each region's backup site, the local key store, the
# platform backups and the audit checkpoint log (12.4.2a). A named volume takes the owner and mode of the image's
# directory when it is first mounted, so the directories are created here, empty, owned by the non-root user and closed
# to everyone else. No VOLUME instruction: an anonymous volume would silently hold keys, backups or checkpoints where
# nobody backs them up.
RUN install -d -m 0700 -o "$APP_UID" -g "$APP_UID" \
        /var/lib/saasreference/backups/jp-east \
        /var/lib/saasreference/backups/jp-west \
        /var/lib/saasreference/tenant-keys \
        /var/lib/saasreference/platform-backups \
        /var/lib/saasreference/audit-checkpoints
# The non-root "app" user that the image provides (by uid, so that orchestrators can verify non-root).
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
# 8080: HTTP API and health; 11111: silo-to-silo; 30000: Orleans client gateway.
EXPOSE 8080 11111 30000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "3", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["dotnet", "SaaSReference.Silo.dll"]
