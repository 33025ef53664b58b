using System.Text.Json;

namespace SaaSReference.Load.Tests;

/// <summary>Each shipped scenario, for a second or two, against <see cref="FakePlatform"/> on loopback.</summary>
public sealed class ScenarioSmokeTests : FakePlatformRun
{
    [Fact]
    public async Task Baseline_ComparesGatewayAndSilo()
    {
        var (code, output, report) = await RunAsync("baseline", "--silo", Platform.Url.ToString(), "--rate", "20", "--duration", "1s", "--warmup", "200ms");
        Assert.Equal(0, code);
        Assert.Contains("ratio gateway / silo, p99", output, StringComparison.Ordinal);
        // A --target deployment without --clustering: the grain leg is not measured, and the run still passes.
        Assert.Contains("raw grain call from a cluster client: not measured: no --clustering given for the --target deployment", output, StringComparison.Ordinal);
        Assert.Equal(2, report.GetProperty("phases").GetArrayLength());
        Assert.Equal(20, Step(report, 0).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Baseline_ClusteringDatabaseNotAnswering_GrainLegNotMeasured()
    {
        // A loopback port nobody listens on (taken, then released).
        var port = SaaSReference.LocalInfrastructure.FreePort.Next();
        var (code, output, report) = await RunAsync("baseline", "--silo", Platform.Url.ToString(), "--rate", "10", "--duration", "1s", "--warmup", "200ms",
            "--clustering", $"Host=127.0.0.1;Port={port};Username=u;Password=p;Database=d");
        Assert.True(code == 0, output);
        Assert.Contains("raw grain call from a cluster client: not measured: the clustering database cannot be read", output, StringComparison.Ordinal);
        Assert.Equal(2, report.GetProperty("phases").GetArrayLength());
        Assert.Contains("***", report.GetProperty("command").GetString()!, StringComparison.Ordinal);
        Assert.DoesNotContain("Password=p", report.GetProperty("command").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Baseline_ClusteringDatabaseElsewhere_RefusedByTheGuard_NothingSent()
    {
        var (code, output, _) = await RunAsync("baseline", "--silo", Platform.Url.ToString(), "--rate", "10", "--duration", "1s", "--warmup", "200ms",
            "--clustering", "Host=203.0.113.7;Port=5432;Username=u;Password=p;Database=d");
        Assert.True(code == 0, output);
        Assert.Contains("raw grain call from a cluster client: not measured: the clustering database's host 203.0.113.7 is neither a loopback address", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolation_RefusesTheNoisyTenantsExcess_AndNotTheQuietTenants()
    {
        var (code, output, report) = await RunAsync("isolation", "--client", "alpha-worker:secret", "--client", "bravo-worker:secret",
            "--client", "noisy-worker:secret", "--duration", "1s", "--warmup", "200ms", "--max-p99-ratio", "1000");
        Assert.True(code == 0, output);
        Assert.Contains("quiet-alpha p99 ms alone / with noisy / ratio", output, StringComparison.Ordinal);
        // 5 answers a phase: the check judges the p95 and says why, not a p99 that would be the slowest answer alone.
        Assert.Contains("quiet-alpha: p95 with the noisy tenant <= 1000 x alone (p95: 5 answers a phase are too few for a p99, 100 needed)",
            output, StringComparison.Ordinal);
        var noisy = report.GetProperty("phases")[1].GetProperty("scenarios").EnumerateArray().Single(s => s.GetProperty("scenario").GetString() == "noisy-noisy");
        var errors = noisy.GetProperty("steps")[0].GetProperty("errors");
        Assert.True(errors[0].GetProperty("status").GetInt32() == 429 && errors[0].GetProperty("count").GetInt64() > 100, errors.ToString());
    }

    [Fact]
    public async Task Isolation_NoisyTenantFrozenByThePolicy_SaysWhen()
    {
        // 12.1.3c: the run shows the abuse policy acting on the noisy tenant, read as operator during the phase.
        Platform.AbuseAfterRefusals = 20;
        var (code, output, report) = await RunAsync("isolation", "--client", "alpha-worker:secret", "--client", "noisy-worker:secret",
            "--duration", "3s", "--warmup", "200ms", "--max-p99-ratio", "1000");
        Assert.True(code == 0, output);
        Assert.Matches(@"noisy-noisy frozen by the abuse policy: yes \(\d+\.\d s after the noisy tenant's load began; 403 answers: [1-9]\d*, status at the end: frozen\)", output);
        Assert.Contains("noisy-noisy throttled by the abuse policy: ", output, StringComparison.Ordinal);
        var summary = report.GetProperty("summary").EnumerateArray().Select(l => l.GetProperty("label").GetString()).ToList();
        Assert.Contains("noisy-noisy frozen by the abuse policy", summary);
    }

    [Fact]
    public async Task Isolation_TenantAlreadyFrozen_RefusesToStart_AndSaysHowToRestoreIt()
    {
        Platform.Statuses["noisy"] = "frozen";
        var (code, output) = await RunRunnerAsync("isolation", "--client", "alpha-worker:secret", "--client", "noisy-worker:secret", "--duration", "1s");
        Assert.Equal(3, code);
        Assert.Contains("The token endpoint refused client noisy-worker: 400 unauthorized_client: The tenant's account is suspended.", output, StringComparison.Ordinal);
        Assert.Contains("POST /api/change-requests {\"kind\":\"unfreeze\"", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Reports) && Directory.EnumerateFiles(Reports, "report.json", SearchOption.AllDirectories).Any(),
            "nothing was measured, so no report");
    }

    [Fact]
    public async Task Tenants_ProvisionsExactlyN()
    {
        var (code, output, _) = await RunAsync("tenants", "--tenants", "25", "--copies", "3", "--duration", "10s");
        Assert.True(code == 0, output);
        Assert.Equal(25, Platform.CreatedTenants.Count);
        Assert.Contains("tenants created / failed | 25 / 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signin_IssuesMachineTokens()
    {
        var (code, output, report) = await RunAsync("signin", "--client", "alpha-worker:secret", "--copies", "2", "--duration", "1s", "--warmup", "200ms");
        Assert.True(code == 0, output);
        Assert.True(Step(report, 0).GetProperty("ok").GetInt64() > 10);
    }

    [Fact]
    public async Task Signin_ClientRefusedAtSetUp_LeftOutAndNamed_NotCountedAsFailures()
    {
        var (code, output, report) = await RunAsync("signin", "--client", "alpha-worker:secret", "--client", "bravo-worker:wrong",
            "--copies", "2", "--duration", "1s", "--warmup", "200ms");
        Assert.True(code == 0, output);
        Assert.Contains("left out: refused a token at set-up | bravo-worker (400 invalid_client)", output, StringComparison.Ordinal);
        Assert.Contains("machine clients used | alpha-worker", output, StringComparison.Ordinal);
        Assert.Equal(0, Step(report, 0).GetProperty("failed").GetInt64());
    }

    [Fact]
    public async Task Signin_EveryClientRefused_StopsBeforeTheRun()
    {
        var (code, output) = await RunRunnerAsync("signin", "--client", "alpha-worker:wrong", "--duration", "1s");
        Assert.Equal(3, code);
        Assert.Contains("refused every machine client: alpha-worker (400 invalid_client)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_WithAThresholdItMisses_ExitsWithOne()
    {
        var (code, output, report) = await RunAsync("http", "--url", Platform.Url + "health", "--copies", "2", "--duration", "1s",
            "--threshold", "p99<0.000001");
        Assert.Equal(1, code);
        Assert.Contains("**failed**", output, StringComparison.Ordinal);
        Assert.False(report.GetProperty("passed").GetBoolean());
    }

    private async Task<(int Code, string Output, JsonElement Report)> RunAsync(params string[] args)
    {
        var (code, output) = await RunRunnerAsync(args);
        var json = Directory.GetFiles(Reports, "report.json", SearchOption.AllDirectories).Single();
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        return (code, output, document.RootElement.Clone());
    }

    private static JsonElement Step(JsonElement report, int phase) =>
        report.GetProperty("phases")[phase].GetProperty("scenarios")[0].GetProperty("steps")[0];
}
