using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Gateway.Tests.RateLimiting;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.Audit;

/// <summary>
/// 12.4.3a, 9.1.2a, 12.1.3c: the real gateway records its refusals in <c>platform.audit_events</c>, aggregated per
/// caller, status, path template and window, and never with a token, cookie or query string.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GatewayAuditTests(PostgresFixture postgres, ITestOutputHelper output)
{
    /// <summary>One stored gateway record, as read back with plain SQL.</summary>
    private sealed record Stored(string Chain, string Type, string Actor, string? TenantId, string Target, Dictionary<string, string> Fields, string Raw)
    {
        public long Count => long.Parse(Fields["count"], CultureInfo.InvariantCulture);
    }

    private static readonly Dictionary<string, string?> ShortWindow = new() { ["Gateway:Audit:Window"] = "00:00:01" };

    private static async Task<List<Stored>> GatewayRecordsAsync(AdmissionStack stack)
    {
        await using var command = stack.Database.CreateCommand(
            "SELECT chain, type, actor, tenant_id, target, fields::text FROM platform.audit_events WHERE type LIKE 'gateway.%' ORDER BY chain, seq");
        var records = new List<Stored>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var fieldsJson = reader.GetString(5);
            var fields = JsonSerializer.Deserialize<Dictionary<string, string>>(fieldsJson)!;
            var tenant = reader.IsDBNull(3) ? null : reader.GetString(3);
            var raw = string.Join("\n", reader.GetString(0), reader.GetString(1), reader.GetString(2), tenant, reader.GetString(4), fieldsJson);
            records.Add(new Stored(reader.GetString(0), reader.GetString(1), reader.GetString(2), tenant, reader.GetString(4), fields, raw));
        }
        return records;
    }

    private static async Task<List<Stored>> WaitForCountAsync(AdmissionStack stack, string what, Func<Stored, bool> match, long expected)
    {
        List<Stored> records = [];
        await AdmissionStack.WaitUntilAsync(what, async () =>
        {
            records = await GatewayRecordsAsync(stack);
            return records.Where(match).Sum(r => r.Count) >= expected;
        }, TimeSpan.FromSeconds(15));
        return records;
    }

    [Fact]
    public async Task RateLimitBurst_AggregatedRecordsInTheTenantsChain_CountsAddUpToTheRefusals()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output, ShortWindow);
        // One token every 10 s with a burst of 5: within the test every request after the fifth is refused.
        await stack.SetStandingAsync("flood-co", new QuotaOverrides(RequestsPerSecond: 0.1, Burst: 5));
        var token = stack.Token("flood-co");
        const string Path = "/api/tenants/flood-co/records?secret=query-text";

        var refused = 0;
        for (var i = 0; i < 60; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Get, Path, bearer: token);
            refused += response.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }
        // 55, or one fewer should the loop take over 10 s and earn a token.
        Assert.InRange(refused, 50, 55);

        var records = await WaitForCountAsync(stack, "the 429s recorded", r => r.Fields["status"] == "429", refused);
        var denied = records.Where(r => r.Fields["status"] == "429").ToList();
        // 12.4.3a: exactly the refusals, no more (the sum would exceed 55 if any were counted twice).
        Assert.Equal(refused, denied.Sum(r => r.Count));
        // Aggregated: one record per window, not one per request.
        Assert.Equal(denied.Count, denied.Select(r => r.Fields["windowStart"]).Distinct().Count());
        Assert.True(denied.Count < refused, $"{denied.Count} records for {refused} refusals");
        Assert.All(denied, record =>
        {
            Assert.Equal("gateway.request-denied", record.Type);
            Assert.Equal("tenant:flood-co", record.Chain);
            Assert.Equal("flood-co", record.TenantId);
            Assert.Equal("tenant:flood-co", record.Actor);
            Assert.Equal("/api/tenants/{tenantId}/records", record.Fields["path"]);
            Assert.Equal("flood-co", record.Fields["pathTenant"]);
            Assert.Equal("tenant", record.Fields["callerKind"]);
            Assert.Equal("admission", record.Fields["source"]);
            Assert.Equal("1", record.Fields["windowSeconds"]);
            // 12.4.1a: never the token or the query string.
            Assert.DoesNotContain(token, record.Raw, StringComparison.Ordinal);
            Assert.DoesNotContain("query-text", record.Raw, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task FrozenTerminatedAnd401_Recorded_WithoutTokenOrCookieText()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output, ShortWindow);
        await stack.SetStandingAsync("cold-co", QuotaOverrides.None, TenantStatus.Frozen);
        await stack.SetStandingAsync("gone-co", QuotaOverrides.None, TenantStatus.Terminated);
        var coldToken = stack.Token("cold-co");
        const string BadToken = "not-a-jwt-but-a-secret-looking-string";
        var cookie = $"{SaaSReference.Gateway.Session.SessionDefaults.CookieName}=cookie-secret-value";

        for (var i = 0; i < 3; i++)
        {
            using var refusal = await stack.SendAsync(HttpMethod.Post, "/api/tenants/cold-co/records", bearer: coldToken);
            Assert.Equal(HttpStatusCode.Forbidden, refusal.StatusCode);
        }
        using (var gone = await stack.SendAsync(HttpMethod.Get, "/api/tenants/gone-co/records", bearer: stack.Token("gone-co")))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        }
        // 9.1.2a: a bad bearer token is forwarded anonymous and the silo answers 401 (the fake silo's /api/status/401).
        for (var i = 0; i < 4; i++)
        {
            using var unauthorized = await stack.SendAsync(HttpMethod.Get, "/api/status/401", bearer: BadToken);
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        }
        // The gateway's own 401: /me without a valid session (an unknown cookie).
        for (var i = 0; i < 2; i++)
        {
            using var me = await stack.SendAsync(HttpMethod.Get, "/me", cookie: cookie);
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        }

        var records = await WaitForCountAsync(stack, "the 401s recorded", r => r.Fields["status"] == "401", 6);
        records = await WaitForCountAsync(stack, "the frozen refusals recorded", r => r.Type == "gateway.frozen-refused", 4);

        // 12.1.3c: frozen (403) and terminated (410) refusals, each in its tenant's chain.
        var frozen = records.Where(r => r.Type == "gateway.frozen-refused" && r.Fields["status"] == "403").ToList();
        Assert.Equal(3, frozen.Sum(r => r.Count));
        Assert.All(frozen, r => Assert.Equal(("tenant:cold-co", "/api/tenants/{tenantId}/records", "admission"), (r.Chain, r.Fields["path"], r.Fields["source"])));
        var terminated = Assert.Single(records, r => r.Type == "gateway.frozen-refused" && r.Fields["status"] == "410");
        Assert.Equal((1L, "tenant:gone-co"), (terminated.Count, terminated.Chain));

        // 9.1.2a: authentication failures, per client address, in the platform chain.
        var fromSilo = records.Where(r => r.Fields["status"] == "401" && r.Fields["path"] == "/api/status/{id}").ToList();
        Assert.Equal(4, fromSilo.Sum(r => r.Count));
        Assert.All(fromSilo, r =>
        {
            Assert.Equal(("platform", "gateway.request-denied", "anonymous", "proxy"), (r.Chain, r.Type, r.Fields["callerKind"], r.Fields["source"]));
            Assert.Equal("127.0.0.1", r.Fields["client"]);
            Assert.Equal("client:127.0.0.1", r.Actor);
        });
        var fromGateway = records.Where(r => r.Fields["status"] == "401" && r.Fields["path"] == "/me").ToList();
        Assert.Equal(2, fromGateway.Sum(r => r.Count));
        Assert.All(fromGateway, r => Assert.Equal("gateway", r.Fields["source"]));

        // 12.4.1a: no credential of any request in any stored event.
        Assert.All(records, r =>
        {
            foreach (var secret in new[] { BadToken, coldToken, "cookie-secret-value", "Bearer" })
            {
                Assert.DoesNotContain(secret, r.Raw, StringComparison.Ordinal);
            }
        });
    }

    [Fact]
    public async Task Shutdown_CurrentWindowHandedOver()
    {
        // A window far longer than the test: only the graceful stop writes these counts.
        await using var stack = await AdmissionStack.StartAsync(postgres, output, new Dictionary<string, string?> { ["Gateway:Audit:Window"] = "01:00:00" });
        await stack.SetStandingAsync("stop-co", QuotaOverrides.None, TenantStatus.Frozen);
        for (var i = 0; i < 3; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Delete, "/api/tenants/stop-co", bearer: stack.Token("stop-co"));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        Assert.Empty(await GatewayRecordsAsync(stack));

        await stack.SignIn.Stack.Host.DisposeAsync();

        var record = Assert.Single(await GatewayRecordsAsync(stack));
        Assert.Equal(("gateway.frozen-refused", "tenant:stop-co", 3L, "3600"), (record.Type, record.Chain, record.Count, record.Fields["windowSeconds"]));
    }
}
