using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;
using Xunit.Abstractions;

namespace SaaSReference.EndToEnd.Tests.Quotas;

/// <summary>
/// 12.1.3a-c, 12.2.1b against the real cluster (3 silos, 2 gateways): a tenant bursting at 10x its limit is refused
/// at the gateway while a quiet tenant sees no error; a tenant that keeps exceeding is throttled and then frozen by
/// the abuse policy, and the freeze is in force on every gateway and every silo, for its tokens too; a freeze is
/// not lifted by one person. Latencies and delays are printed, never asserted.
/// </summary>
public sealed class QuotaEnforcementTests(QuotaClusterFixture fixture, ITestOutputHelper output) : IClassFixture<QuotaClusterFixture>
{
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Isolation_NoisyTenantAt10xItsLimit_QuietTenantGetsNoErrors()
    {
        var gateway = fixture.Cluster.Gateway!.BaseAddress;
        using var quiet = await fixture.TenantClientAsync(QuotaClusterFixture.Quiet, gateway);
        using var noisy = await fixture.TenantClientAsync(QuotaClusterFixture.Noisy, gateway);
        var plan = PlatformSettings.Defaults.FindPlan(PlatformSettings.Defaults.DefaultPlan)!.Limits;

        // Warm-up: the first calls activate grains and open connections.
        await RunAsync(quiet, QuotaClusterFixture.Quiet, ratePerSecond: 5, TimeSpan.FromSeconds(1));
        var alone = await RunAsync(quiet, QuotaClusterFixture.Quiet, plan.RequestsPerSecond / 2, Phase);
        var burst = RunAsync(noisy, QuotaClusterFixture.Noisy, plan.RequestsPerSecond * 10, Phase);
        var together = await RunAsync(quiet, QuotaClusterFixture.Quiet, plan.RequestsPerSecond / 2, Phase);
        var noisyResult = await burst;

        output.WriteLine($"quiet tenant alone:          {alone}");
        output.WriteLine($"quiet tenant with the burst: {together}");
        output.WriteLine($"p99 ratio (with / without):  {together.Percentile(99) / Math.Max(0.001, alone.Percentile(99)):F2}");
        output.WriteLine($"noisy tenant at {plan.RequestsPerSecond * 10}/s:    {noisyResult}");

        Assert.True(alone.Failures == 0, $"quiet tenant alone failed: {alone}");
        Assert.True(together.Failures == 0, $"quiet tenant failed during the noisy tenant's burst: {together}");
        Assert.True(noisyResult.Statuses.GetValueOrDefault(429) > noisyResult.Count / 2, $"the noisy tenant was not refused: {noisyResult}");
        // Admitted: at most the burst plus the sustained rate over the phase (with slack for timing at the edges).
        var admitted = noisyResult.Statuses.GetValueOrDefault(200);
        Assert.True(admitted <= plan.Burst + plan.RequestsPerSecond * (Phase.TotalSeconds + 2), $"the noisy tenant got {admitted} requests through: {noisyResult}");
        Assert.True(noisyResult.RetryAfterOn429, "a 429 came without Retry-After");
    }

    [Fact]
    public async Task AbusePolicy_TenantThatKeepsExceeding_FrozenEverywhere_AndNotUnfrozenByOnePerson()
    {
        await using var data = NpgsqlDataSource.Create(fixture.ConnectionString);
        var configuration = new PlatformConfigurationStore(data);
        var original = await configuration.GetOrCreateCurrentAsync(PlatformSettings.Defaults, TimeProvider.System);
        // A strict policy so the test takes seconds: 1-s windows, over 3 refusals a violation, 2 in a row throttle,
        // 2 more freeze. Stored as a version directly: the four-eyes path itself is tested in the silo's tests.
        var strict = original.Settings with { Abuse = new AbusePolicy(TimeSpan.FromSeconds(1), 3, 2, 2, 0.5, TimeSpan.FromHours(1)) };
        var added = await configuration.AddAsync(original.Version, strict, "op-e2e", "approver-e2e", Guid.NewGuid(), "E2E: strict abuse policy", DateTimeOffset.UtcNow);
        Assert.NotNull(added);
        try
        {
            await RunFreezeAsync(data);
        }
        finally
        {
            var latest = await configuration.GetCurrentAsync();
            await configuration.AddAsync(latest!.Version, original.Settings, "op-e2e", "approver-e2e", Guid.NewGuid(), "E2E: policy restored", DateTimeOffset.UtcNow);
        }
    }

    private async Task RunFreezeAsync(NpgsqlDataSource data)
    {
        const string tenant = QuotaClusterFixture.Abusive;
        var cluster = fixture.Cluster;
        var token = await fixture.TokenAsync(tenant) ?? throw new InvalidOperationException("no token before the freeze");
        using var viaFirst = QuotaClusterFixture.BearerClient(cluster.Gateways[0].BaseAddress, token);

        // Every path has served the tenant before, so what is measured below is the freeze reaching it, not a cold start.
        var targets = cluster.Gateways.Select(g => (g.Name, g.BaseAddress)).Concat(cluster.Silos.Select(s => (s.Name, s.BaseAddress))).ToList();
        foreach (var (name, address) in targets)
        {
            using var http = QuotaClusterFixture.BearerClient(address, token);
            using var warm = await http.GetAsync($"api/tenants/{tenant}/usage");
            Assert.True(warm.StatusCode == HttpStatusCode.OK, $"{name} answered {(int)warm.StatusCode} before the freeze");
        }

        // Hammer at 5x the limit until the tenant is refused as frozen; bounded in time and count.
        var clock = Stopwatch.StartNew();
        var statuses = new Dictionary<int, int>();
        TimeSpan? frozenSeen = null;
        for (var i = 0; i < 5_000 && clock.Elapsed < TimeSpan.FromSeconds(45) && frozenSeen is null; i++)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => viaFirst.GetAsync($"api/tenants/{tenant}/records/notes/a")));
            foreach (var response in batch)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                if (response.StatusCode == HttpStatusCode.Forbidden && (await response.Content.ReadAsStringAsync()).Contains("tenant-frozen", StringComparison.Ordinal))
                {
                    frozenSeen ??= clock.Elapsed;
                }
                response.Dispose();
            }
            await Task.Delay(100);
        }
        output.WriteLine($"abusive tenant: answers {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}; frozen seen after {frozenSeen?.TotalSeconds:F1} s");
        Assert.True(frozenSeen is not null, $"the abuse policy did not freeze the tenant: {string.Join(", ", statuses)}\n{cluster.Diagnostics()}");

        // Every gateway and every silo (straight, bypassing the gateways) refuses it now.
        foreach (var (name, address) in targets)
        {
            using var http = QuotaClusterFixture.BearerClient(address, token);
            var waited = Stopwatch.StartNew();
            HttpStatusCode status;
            string body;
            do
            {
                using var response = await http.PutAsync($"api/tenants/{tenant}/records/notes/b", JsonContent.Create(new { x = 1 }));
                status = response.StatusCode;
                body = await response.Content.ReadAsStringAsync();
            }
            while (status != HttpStatusCode.Forbidden && waited.Elapsed < TimeSpan.FromSeconds(5) && await Delay());
            output.WriteLine($"{name}: {(int)status}, {waited.Elapsed.TotalMilliseconds:F0} ms after it was asked (the first gateway had refused already)");
            Assert.True(status == HttpStatusCode.Forbidden && body.Contains("tenant-frozen", StringComparison.Ordinal), $"{name} answered {(int)status}: {body}");
        }

        // Its members can still read its status and usage: who froze it and why.
        using var viaSecond = QuotaClusterFixture.BearerClient(cluster.Gateways[1].BaseAddress, token);
        var usage = await viaSecond.GetFromJsonAsync<JsonElement>($"api/tenants/{tenant}/usage");
        Assert.Equal("frozen", usage.GetProperty("status").GetString());
        var history = usage.GetProperty("history").EnumerateArray().Select(h => (To: h.GetProperty("to").GetString(), Actor: h.GetProperty("actor").GetString())).ToList();
        Assert.Equal([("throttled", "abuse-policy"), ("frozen", "abuse-policy")], history.TakeLast(2));

        // No new token for its machine client (12.2.1b).
        Assert.Null(await fixture.TokenAsync(tenant));

        // Its admins and the operators are notified.
        var notes = await new NotificationOutbox(data).ListAsync(tenant);
        Assert.Contains(notes, n => n.Audience == "tenant-admins" && n.Subject.Contains("frozen", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Audience == "operators" && n.Subject.Contains("frozen", StringComparison.Ordinal));

        // One person cannot lift it: not directly, and not by approving their own request.
        using var operatorHttp = cluster.CreateOperatorClient();
        using (var direct = await operatorHttp.PostAsJsonAsync($"api/tenants/{tenant}/status", new { status = "active", reason = "operatorDecision", note = "Looks fine." }))
        {
            Assert.Equal(HttpStatusCode.Conflict, direct.StatusCode);
        }
        using var requested = await operatorHttp.PostAsJsonAsync("api/change-requests", new { kind = "unfreeze", tenantId = tenant, reason = "Customer called.", payload = new { } });
        Assert.True(requested.StatusCode == HttpStatusCode.Created, $"change request answered {(int)requested.StatusCode}: {await requested.Content.ReadAsStringAsync()}");
        var id = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using (var self = await operatorHttp.PostAsJsonAsync($"api/change-requests/{id}/approve", new { note = "Approving my own." }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        }
        Assert.Equal("frozen", (await viaSecond.GetFromJsonAsync<JsonElement>($"api/tenants/{tenant}/usage")).GetProperty("status").GetString());
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }

    /// <summary>Open model: one request every 1/rate seconds for <paramref name="duration"/>, whatever the answers.</summary>
    private static async Task<LoadResult> RunAsync(HttpClient http, string tenant, double ratePerSecond, TimeSpan duration)
    {
        var interval = TimeSpan.FromSeconds(1 / ratePerSecond);
        var count = (int)(duration.TotalSeconds * ratePerSecond);
        var clock = Stopwatch.StartNew();
        var calls = new List<Task<(int Status, double Millis, bool RetryAfter)>>(count);
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            calls.Add(CallAsync(http, tenant));
        }
        return new LoadResult([.. await Task.WhenAll(calls)]);
    }

    private static async Task<(int Status, double Millis, bool RetryAfter)> CallAsync(HttpClient http, string tenant)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.GetAsync($"api/tenants/{tenant}");
            return ((int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, response.Headers.RetryAfter is not null);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return (0, Stopwatch.GetElapsedTime(started).TotalMilliseconds, false);
        }
    }

    private sealed record LoadResult(IReadOnlyList<(int Status, double Millis, bool RetryAfter)> Calls)
    {
        public int Count => Calls.Count;
        public int Failures => Calls.Count(c => c.Status != 200);
        public Dictionary<int, int> Statuses => Calls.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count());
        public bool RetryAfterOn429 => Calls.Where(c => c.Status == 429).All(c => c.RetryAfter);

        public double Percentile(double p)
        {
            var sorted = Calls.Where(c => c.Status == 200).Select(c => c.Millis).Order().ToList();
            return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
        }

        public override string ToString() =>
            $"{Count} requests ({string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}), " +
            $"p50 {Percentile(50):F1} ms, p95 {Percentile(95):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms";
    }
}
