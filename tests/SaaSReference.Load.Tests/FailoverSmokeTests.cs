using System.Text.Json;
using SaaSReference.Load.Cli;

namespace SaaSReference.Load.Tests;

/// <summary>
/// `failover` for real but small: the runner starts its own throwaway PostgreSQL, 3 silos and the gateway on
/// loopback (the services are built through this project's references), writes and reads for 15 s, SIGKILLs one
/// silo and starts it again, then reads back every acknowledged write. About 40-60 s on a 2-core machine.
/// </summary>
public sealed class FailoverSmokeTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "load-failover-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    [Fact]
    public async Task Kill_OneSiloOfThree_LosesNoAcknowledgedWrite()
    {
        var output = new StringWriter();
        var code = await LoadProgram.RunAsync(["failover", "--variant", "kill", "--duration", "15s", "--tenants", "3", "--rate", "10",
            "--reports", _reports, "--plain"], output);
        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("acknowledged writes lost: 0", text, StringComparison.Ordinal);
        Assert.Contains("SIGKILL of silo-2 (of 3)", text, StringComparison.Ordinal);

        var json = Directory.GetFiles(_reports, "report.json", SearchOption.AllDirectories).Single();
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(report.RootElement.GetProperty("passed").GetBoolean());
        var writer = report.RootElement.GetProperty("phases")[0].GetProperty("scenarios").EnumerateArray()
            .Single(s => s.GetProperty("scenario").GetString() == "writer");
        // Most writes are acknowledged: the silo is down for a part of the run only.
        Assert.True(writer.GetProperty("steps")[0].GetProperty("ok").GetInt64() > 50, writer.ToString());
    }
    /// <summary>
    /// PostgreSQL stopped and started again under load: the silos refuse requests while it is down with 503 (nothing
    /// acknowledged then, never a 500), serve again once it is back, and no acknowledged write is lost. (A request in the
    /// first moments after PostgreSQL is ready may still be refused while pools and health checks catch up: the figures in
    /// docs/failover.md say how long.) Before the fix, a background service's unhandled
    /// exception stopped every silo during the outage, and nothing was served afterwards.
    /// </summary>
    [Fact]
    public async Task PostgresRestart_SilosSurviveTheOutage_AndServeAgain()
    {
        var output = new StringWriter();
        var code = await LoadProgram.RunAsync(["failover", "--variant", "postgres-restart", "--duration", "20s", "--tenants", "2", "--rate", "10",
            "--reports", _reports, "--plain"], output);
        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("acknowledged writes lost: 0", text, StringComparison.Ordinal);
        Assert.Contains("failed requests before the fault / after the restart: 0 / ", text, StringComparison.Ordinal);
        // Every refusal says "unavailable, try again" (503 from the silo, or 502/503 from the gateway while its health
        // checks catch up in the first moments after PostgreSQL is ready), never a 500: a database that is down or
        // starting up is not a server error (57P03 included, which once crossed a grain call as a 500).
        var statuses = text.Split('\n').Single(line => line.StartsWith("failed requests by status:", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"\b500\b", statuses);
        Assert.Matches(@"^failed requests by status: ((GET|PUT) 50[23] x\d+(, )?)+$", statuses.TrimEnd('\r'));
    }
}
