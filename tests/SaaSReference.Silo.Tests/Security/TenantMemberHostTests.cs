using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Silo.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>
/// <see cref="Policies.TenantMember"/> over HTTP: the platform security wiring on a small host with one
/// tenant-scoped route, and real tokens validated against the secured silo's key database.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantMemberHostTests(SecuredSiloFactory factory) : IAsyncLifetime
{
    private WebApplication? _app;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:Issuer"] = SecuredSiloFactory.Issuer,
            ["Platform:BootstrapKey"] = SecuredSiloFactory.OperatorKey,
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(factory.ConnectionString));
        builder.Services.AddProblemDetails();
        builder.Services.AddPlatformSecurity(builder.Configuration);
        _app = builder.Build();
        _app.UseStatusCodePages();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapGet("/probe/{tenantId}", (string tenantId) => TypedResults.Ok(tenantId)).RequireAuthorization(Policies.TenantMember);
        await _app.StartAsync();
    }

    [Theory]
    [InlineData("tenant", "acme", HttpStatusCode.OK)]
    [InlineData("tenant", "globex", HttpStatusCode.Forbidden)]
    [InlineData("operator", "globex", HttpStatusCode.OK)]
    [InlineData("auditor", "acme", HttpStatusCode.Forbidden)]
    [InlineData("operator-key", "globex", HttpStatusCode.OK)]
    [InlineData("none", "acme", HttpStatusCode.Unauthorized)]
    public async Task TenantRoute_Caller_GetsExpectedStatus(string caller, string routeTenant, HttpStatusCode expected)
    {
        using var http = _app!.GetTestClient();
        if (caller == "operator-key")
        {
            http.DefaultRequestHeaders.Add(OperatorKeyAuthenticationHandler.HeaderName, SecuredSiloFactory.OperatorKey);
        }
        else if (caller != "none")
        {
            var token = caller switch
            {
                "tenant" => factory.Tokens.TenantUser("acme"),
                "auditor" => factory.Tokens.Operator("dave", Roles.Auditor),
                _ => factory.Tokens.Operator(),
            };
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        using var response = await http.GetAsync($"/probe/{routeTenant}");

        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            await IsProblemAsync(response, expected);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
