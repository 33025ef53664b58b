using System.Text.Json;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Scenarios;

namespace SaaSReference.Load.Tests;

/// <summary>
/// `audit-overhead` for real but short: the runner starts its own throwaway PostgreSQL and one silo on loopback, restarts the
/// silo with auditing off and on again, and calls grains from an Orleans cluster client (4 callers, 2 s per measurement).
/// The accounting is checked (records while audited, none while not, the one critical record), not the timings
/// (load/README.md has the figures of a full run).
/// </summary>
public sealed class AuditOverheadSmokeTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "load-audit-overhead-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    [Fact]
    public async Task OnOffOnAgain_RecordsOnlyWhileAudited_AndTheCriticalRecordOnce()
    {
        var output = new StringWriter();
        var code = await LoadProgram.RunAsync(["audit-overhead", "--copies", "4", "--duration", "2s", "--warmup", "500ms", "--reports", _reports, "--plain"], output);
        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("audit.grain-calls-unrecorded (critical) records per silo run on / off / on again: 0 / 1 / 0", text, StringComparison.Ordinal);
        foreach (var call in AuditOverheadScenario.Calls)
        {
            Assert.Contains($"{call} target < 10 %: ", text, StringComparison.Ordinal);
        }

        var json = Directory.GetFiles(_reports, "report.json", SearchOption.AllDirectories).Single();
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var root = report.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean(), root.ToString());
        var checks = root.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(4, checks.Count);
        Assert.All(checks, c => Assert.True(c.GetProperty("passed").GetBoolean(), c.ToString()));
        // Records while audited; none while not (the checks say the same; here the figures themselves).
        Assert.True(checks[0].GetProperty("actual").GetDouble() > 0 && checks[1].GetProperty("actual").GetDouble() > 0, root.ToString());
        Assert.Equal(0, checks[2].GetProperty("actual").GetDouble());
        // Two calls measured in each of the three silo runs, each with successes and no refusal.
        var phases = root.GetProperty("phases");
        Assert.Equal(6, phases.GetArrayLength());
        foreach (var phase in phases.EnumerateArray())
        {
            var step = phase.GetProperty("scenarios")[0].GetProperty("steps")[0];
            Assert.True(step.GetProperty("ok").GetInt64() > 0, phase.ToString());
            Assert.Equal(0, step.GetProperty("failed").GetInt64());
        }
    }
}
