using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Security;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// The change-request tests share one secured silo of their own (they change the platform configuration, which
/// other test classes must not see); xunit runs them one after the other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChangeRequestCollection : ICollectionFixture<SecuredSiloFactory>
{
    public const string Name = "Change requests";
}

/// <summary>Callers and steps the change-request tests share.</summary>
internal static class ChangeRequestSilo
{
    public static string NewTenantId(string prefix = "cr") => $"{prefix}-{Guid.NewGuid():N}"[..16];

    /// <summary>An operator (requester) with a password-only sign-in: requesting needs no MFA.</summary>
    public static HttpClient Operator(this SecuredSiloFactory factory, string subject) =>
        factory.CreateBearerClient(factory.Tokens.Operator(subject));

    /// <summary>A platform principal with <paramref name="roles"/> and sign-in methods <paramref name="amr"/>.</summary>
    public static HttpClient Staff(this SecuredSiloFactory factory, string subject, string[] roles, params string[] amr)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = roles };
        if (amr.Length > 0)
        {
            claims["amr"] = amr;
        }
        return factory.CreateBearerClient(factory.Tokens.Mint(claims));
    }

    /// <summary>An approver signed in with password and TOTP (amr pwd, otp, mfa), as the identity service issues it.</summary>
    public static HttpClient Approver(this SecuredSiloFactory factory, string subject) =>
        factory.Staff(subject, [Roles.Approver], "pwd", "otp", "mfa");

    public static HttpClient BootstrapOperator(this SecuredSiloFactory factory)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Add(OperatorKeyAuthenticationHandler.HeaderName, SecuredSiloFactory.OperatorKey);
        return http;
    }

    public static ITenantGrain Tenant(this SecuredSiloFactory factory, string tenantId) =>
        factory.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(tenantId);

    public static async Task<string> CreateTenantAsync(this SecuredSiloFactory factory)
    {
        var id = NewTenantId();
        using var http = factory.BootstrapOperator();
        using var created = await ProblemAssert.CreateAsync(http, id);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return id;
    }

    public static async Task<string> CreateFrozenTenantAsync(this SecuredSiloFactory factory)
    {
        var id = await factory.CreateTenantAsync();
        var frozen = await factory.Tenant(id).ChangeStatusAsync(
            new StatusChangeCommand(TenantStatus.Frozen, StatusReason.OperatorDecision, "Frozen by the test.", "op-test"));
        Assert.Equal(TenantChangeOutcome.Changed, frozen.Outcome);
        return id;
    }

    public static Task<HttpResponseMessage> PostRequestAsync(this HttpClient http, object body) =>
        http.PostAsJsonAsync("/api/change-requests", body);

    /// <summary>Makes a request that must be accepted; returns it.</summary>
    public static async Task<JsonElement> RequestAsync(this HttpClient http, object body)
    {
        using var response = await http.PostRequestAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"expected 201, got {(int)response.StatusCode}: {text}");
        var request = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal("pending", request.GetProperty("status").GetString());
        return request;
    }

    public static Task<HttpResponseMessage> ApproveAsync(this HttpClient http, JsonElement request, string note = "Looks right.") =>
        http.PostAsJsonAsync($"/api/change-requests/{Id(request)}/approve", new { note });

    public static Task<HttpResponseMessage> RejectAsync(this HttpClient http, JsonElement request, string note = "Not now.") =>
        http.PostAsJsonAsync($"/api/change-requests/{Id(request)}/reject", new { note });

    public static async Task<JsonElement> GetRequestAsync(this SecuredSiloFactory factory, JsonElement request)
    {
        using var auditor = factory.Staff("aud-" + Guid.NewGuid().ToString("N")[..6], [Roles.Auditor], "pwd");
        return await auditor.GetFromJsonAsync<JsonElement>($"/api/change-requests/{Id(request)}");
    }

    public static string Id(JsonElement request) => request.GetProperty("id").GetString()!;

    public static async Task ExecuteSqlAsync(this SecuredSiloFactory factory, string sql, params object[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(factory.ConnectionString);
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }
}
