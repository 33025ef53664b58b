using System.Diagnostics;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Reports;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>The fault: applied at one time of the run and undone at another (the process started again).</summary>
internal sealed class FailoverFault(string variant, PlatformCluster cluster, PostgresServer postgres, PostgresServerOptions pgOptions, Stopwatch clock, TextWriter output)
{
    public string Variant => variant;

    public PostgresServer Postgres { get; private set; } = postgres;

    public TimeSpan? FaultAt { get; private set; }

    public TimeSpan? RestartAt { get; private set; }

    public TimeSpan? RestartedAt { get; private set; }

    public string Describe() => variant switch
    {
        "kill" => "SIGKILL of silo-2 (of 3)",
        "stop" => "graceful stop (SIGTERM) of silo-2 (of 3)",
        "identity-kill" => "SIGKILL of identity-1 (of 2)",
        _ => "PostgreSQL stopped (fast shutdown) and started again",
    };

    public async Task RunAsync(TimeSpan faultAt, TimeSpan restartAt, CancellationToken cancellationToken)
    {
        await Task.Delay(faultAt, cancellationToken);
        FaultAt = clock.Elapsed;
        output.WriteLine($"failover: {Describe()} at {Format.Seconds(clock.Elapsed)}");
        switch (variant)
        {
            case "kill":
                await cluster.Silos[1].KillAsync();
                break;
            case "stop":
                await cluster.Silos[1].StopAsync();
                break;
            case "identity-kill":
                await cluster.Identities[0].KillAsync();
                break;
            default:
                await Postgres.StopAsync();
                break;
        }
        var wait = restartAt - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
        RestartAt = clock.Elapsed;
        output.WriteLine($"failover: starting it again at {Format.Seconds(clock.Elapsed)}");
        switch (variant)
        {
            case "kill" or "stop":
                cluster.Silos[1].Start();
                await cluster.Silos[1].WaitUntilHealthyAsync();
                break;
            case "identity-kill":
                cluster.Identities[0].Start();
                await cluster.Identities[0].WaitUntilHealthyAsync();
                break;
            default:
                Postgres = await PostgresServer.StartAsync(pgOptions with { DeleteOnStop = true }, cancellationToken);
                break;
        }
        RestartedAt = clock.Elapsed;
        output.WriteLine($"failover: ready again at {Format.Seconds(clock.Elapsed)}");
    }
}
