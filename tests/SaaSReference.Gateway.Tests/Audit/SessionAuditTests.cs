using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Gateway.Session;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Gateway.Tests.RateLimiting;
using SaaSReference.Testing;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.SignInStack;

namespace SaaSReference.Gateway.Tests.Audit;

/// <summary>
/// 9.1.2a, 12.4.3a: the gateway's authentication outcomes are in the audit trail without the session code calling
/// the writer by hand: a completed sign-in opens a session (`gateway.session-started`, in the tenant's chain, with the
/// sign-in methods), a sign-in that comes back forged fails (`gateway.session-failed`, the client's address, no
/// session), signing out ends it (`gateway.session-ended`); never a token or cookie in a record.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SessionAuditTests(PostgresFixture postgres, ITestOutputHelper output) : SignInStackTests(postgres, output)
{
    private sealed record Stored(string Chain, string Type, string Actor, string? TenantId, Dictionary<string, string> Fields, string Raw);

    private async Task<List<Stored>> SessionRecordsAsync()
    {
        await using var command = Stack.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "SELECT chain, type, actor, tenant_id, fields::text FROM platform.audit_events WHERE type LIKE 'gateway.session-%' ORDER BY chain, seq");
        var records = new List<Stored>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var tenant = reader.IsDBNull(3) ? null : reader.GetString(3);
            records.Add(new Stored(reader.GetString(0), reader.GetString(1), reader.GetString(2), tenant,
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4))!,
                string.Join('\n', reader.GetString(0), reader.GetString(1), reader.GetString(2), tenant, reader.GetString(4))));
        }
        return records;
    }

    private async Task<Stored> WaitForAsync(string type)
    {
        Stored? found = null;
        await AdmissionStack.WaitUntilAsync(type, async () => (found = (await SessionRecordsAsync()).FirstOrDefault(r => r.Type == type)) is not null,
            TimeSpan.FromSeconds(10));
        return found!;
    }

    private static List<string> CookiePairs(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).ToList();

    [Fact]
    public async Task SignInThenSignOut_SessionStartedAndEnded_InTheTenantsChain()
    {
        using var login = await Stack.Client.GetAsync("/login?returnUrl=/");
        var authorize = QueryHelpers.ParseQuery(login.Headers.Location!.Query);
        var identity = Stack.Identity;
        identity.TokenResponse = () => Results.Json(new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3600,
            ["refresh_token"] = "refresh-secret-value",
            ["id_token"] = identity.CreateJwt(new Dictionary<string, object>
            {
                ["sub"] = "user-9", ["name"] = "Hedy", ["tenant_id"] = "acme", ["nonce"] = authorize["nonce"].ToString(), ["amr"] = new[] { "pwd", "otp", "mfa" },
            }, authorize["client_id"].ToString()),
            ["access_token"] = identity.CreateJwt(new Dictionary<string, object> { ["sub"] = "user-9", ["tenant_id"] = "acme" }, "saasreference-api"),
        });
        using var callback = new HttpRequestMessage(HttpMethod.Post, "/signin-oidc")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "code-1", ["state"] = authorize["state"].ToString() }),
        };
        callback.Headers.Add("Cookie", string.Join("; ", CookiePairs(login)));
        using var signedIn = await Stack.Client.SendAsync(callback);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(CookiePairs(signedIn), c => c.StartsWith(SessionDefaults.CookieName + "=", StringComparison.Ordinal));

        var started = await WaitForAsync("gateway.session-started");
        using var logout = await Stack.Client.SendAsync(Request(HttpMethod.Post, "/logout", cookie, csrf: true));
        var ended = await WaitForAsync("gateway.session-ended");

        Assert.Equal(("tenant:acme", "user-9", "acme"), (started.Chain, started.Actor, started.TenantId));
        Assert.Equal("pwd otp mfa", started.Fields["amr"]);
        Assert.Equal("127.0.0.1", started.Fields["client"]);
        Assert.Equal(("tenant:acme", "user-9", "signed out"), (ended.Chain, ended.Actor, ended.Fields["reason"]));
        foreach (var record in await SessionRecordsAsync())
        {
            Assert.DoesNotContain("refresh-secret-value", record.Raw, StringComparison.Ordinal);
            Assert.DoesNotContain(cookie.Split('=', 2)[1], record.Raw, StringComparison.Ordinal);
            Assert.DoesNotContain("code-1", record.Raw, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CallbackWithForgedState_SessionFailed_ClientRecorded()
    {
        using var login = await Stack.Client.GetAsync("/login");
        using var callback = new HttpRequestMessage(HttpMethod.Post, "/signin-oidc")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "code-2", ["state"] = "forged" }),
        };
        callback.Headers.Add("Cookie", string.Join("; ", CookiePairs(login)));

        using var response = await Stack.Client.SendAsync(callback);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var failed = await WaitForAsync("gateway.session-failed");
        Assert.Equal(("platform", "client:127.0.0.1", null), (failed.Chain, failed.Actor, failed.TenantId));
        Assert.False(string.IsNullOrWhiteSpace(failed.Fields["reason"]));
        Assert.DoesNotContain(await SessionRecordsAsync(), r => r.Type == "gateway.session-started");
    }
}
