using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.TenantData;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `audit-overhead` (12.4.3a/b): what recording every state-changing grain call costs in grain-call throughput. On a
/// throwaway stack the runner starts on loopback (PostgreSQL, one silo), an Orleans cluster client calls recorded grain
/// methods in a closed model (--copies concurrent callers, --duration per measurement after --warmup) three times: with the
/// grain call audit filter on, then with the silo restarted with <c>Audit__RecordGrainCalls=false</c> (no filter; the silo
/// writes one critical <c>audit.grain-calls-unrecorded</c> record instead), then on again, so that drift shows. Two calls:
/// <list type="bullet">
/// <item><c>ITenantRecordGrain.PutAsync</c>: a fixed-size record replaced (an encrypted upsert in the tenant's schema, plus the
/// quota filter's two size reads): what an API write costs, mostly database;</item>
/// <item><c>ITenantKeyRotationGrain.StartAsync</c> for the key version the tenant's data is already on: recorded as state-changing
/// by the contract's rule, answered from the activation's memory without touching the database: the filter's cost alone.</item>
/// </list>
/// Each caller owns one record (a slot), and the tenants are enough for the callers to stay within the plan's concurrent
/// operations per tenant, so the quota filter does not refuse; refusals are counted apart and never as throughput. Counts the
/// <c>grain.state-changed</c> rows written during each measurement to show auditing was really on (and off). Checks: records in
/// both "on" measurements, none in the "off" one, exactly one critical record, from the "off" silo. The 10 % target is printed,
/// not checked.
/// </summary>
public sealed partial class AuditOverheadScenario : ILoadScenario, IOwnStackScenario
{
    public const string Collection = "bench";
    public const string Actor = "load-audit-overhead";
    public const double TargetOverhead = 0.10;
    private const int FirstRunWarmUpFactor = 4;
    private const int DataKeyVersion = 1;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RotationTimeout = TimeSpan.FromSeconds(60);

    public static IReadOnlyList<string> Modes { get; } = ["on", "off", "on again"];

    public static IReadOnlyList<string> Calls { get; } = ["record-put", "rotation-noop"];

    public string Name => "audit-overhead";

    public string Description => "grain-call throughput with the grain call audit filter on, off, on again (own stack, cluster client)";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var copies = options.Copies ?? 32;
        var duration = options.DurationOr(TimeSpan.FromSeconds(20));
        var warmUp = options.WarmUp ?? TimeSpan.FromSeconds(5);
        var output = environment.Output;
        var started = DateTimeOffset.UtcNow;

        output.WriteLine("audit-overhead: starting a throwaway PostgreSQL on loopback ...");
        await using var database = await ThrowawayDatabase.StartAsync("audit", cancellationToken);
        var postgres = database.Server;
        var settings = database.Settings;
        // Nothing in the background but the calls measured: no daily backup pass at start.
        settings["TenantBackups:ScheduleEnabled"] = "false";
        // The load generator shares the 2 cores with the silo: Orleans' CPU load shedding would refuse the client's calls and
        // measure the machine, not the filter. Off here, on in the shipped configuration.
        settings["Orleans:LoadShedding:LoadSheddingEnabled"] = "false";

        output.WriteLine("audit-overhead: starting one silo (grain calls audited) ...");
        PlatformCluster? cluster = null;
        ServiceProcess? restarted = null;
        try
        {
            cluster = await PlatformCluster.StartAsync(postgres.ConnectionString, settings, silos: 1, identities: 0, gateway: false);
            var silo = cluster.Silos[0];
            var connection = new ClusterConnection(postgres.ConnectionString, silo.Environment["Orleans__ClusterId"], silo.Environment["Orleans__ServiceId"]);
            var http = environment.CreateClient(silo.BaseAddress, TimeSpan.FromSeconds(60));
            var counter = new AuditCounter(postgres.ConnectionString);
            // Every phase starts from a settled database: the phases before it leave dead record versions and up to a million
            // audit rows behind, whose vacuum and checkpoint would otherwise land in whichever phase comes next.
            string[] databases =
            [
                new NpgsqlConnectionStringBuilder(postgres.ConnectionString).Database!,
                .. settings.Where(s => s.Key.StartsWith("TenantStorage:Regions:", StringComparison.Ordinal) && s.Key.EndsWith(":ConnectionString", StringComparison.Ordinal))
                    .Select(s => new NpgsqlConnectionStringBuilder(s.Value).Database!),
            ];
            Task Settle(CancellationToken token) => SettleAsync(postgres.AdminConnectionString, databases, token);
            var lifetimes = new List<SiloLifetime>();

            // 1. Audited: tenants, their records and key rotations set up, then measured.
            var onStart = DateTimeOffset.UtcNow;
            Workload workload;
            SiloLifetime on;
            await using (var client = await OrleansClusterClient.ConnectAsync(connection, environment.Guard, ConnectTimeout, cancellationToken))
            {
                workload = await Workload.SetUpAsync(client.Client, http, cluster.BootstrapKey, copies, options.Tenants, output, cancellationToken);
                // The first run follows the set-up (tenants provisioned, tables and caches cold, the silo's start-up work): a
                // longer warm-up, so that it does not measure the set-up's tail as auditing's cost (the runs after it start warm).
                on = await MeasureAsync(environment, "on", client.Client, workload, copies, duration, warmUp * FirstRunWarmUpFactor, Settle, cancellationToken);
            }
            await silo.StopAsync();
            lifetimes.Add(on with { Start = onStart, End = DateTimeOffset.UtcNow });

            // 2. Not audited, 3. audited again: the same silo (ports, database, cluster) started anew.
            foreach (var mode in Modes.Skip(1))
            {
                var environmentVariables = new Dictionary<string, string>(silo.Environment, StringComparer.Ordinal);
                if (mode == "off")
                {
                    environmentVariables["Audit__RecordGrainCalls"] = "false";
                }
                output.WriteLine($"audit-overhead: starting the silo again, grain calls {(mode == "off" ? "NOT audited (Audit__RecordGrainCalls=false)" : "audited")} ...");
                var start = DateTimeOffset.UtcNow;
                restarted = new ServiceProcess(silo.Name, silo.Project, silo.HttpPort, environmentVariables);
                restarted.Start();
                await restarted.WaitUntilHealthyAsync();
                SiloLifetime lifetime;
                await using (var client = await OrleansClusterClient.ConnectAsync(connection, environment.Guard, ConnectTimeout, cancellationToken))
                {
                    lifetime = await MeasureAsync(environment, mode, client.Client, workload, copies, duration, warmUp, Settle, cancellationToken);
                }
                // A graceful stop: the audit writer drains its queue before the process ends.
                await restarted.StopAsync();
                await restarted.DisposeAsync();
                restarted = null;
                lifetimes.Add(lifetime with { Start = start, End = DateTimeOffset.UtcNow });
            }

            var counted = new List<AuditCounts>();
            foreach (var lifetime in lifetimes)
            {
                counted.Add(await counter.CountAsync(lifetime, cancellationToken));
            }
            return Summarize(environment, started, silo.BaseAddress, copies, duration, warmUp, workload, lifetimes, counted);
        }
        catch (Exception e) when (cluster is not null && e is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            output.WriteLine(string.Join('\n', (cluster.Diagnostics() + "\n" + restarted?.Output()).Split('\n').TakeLast(60)));
            throw;
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    /// <summary>Both calls, one after the other, each warmed up and then measured in the closed model.</summary>
    private static async Task<SiloLifetime> MeasureAsync(ScenarioEnvironment environment, string mode, IClusterClient client, Workload workload, int copies,
        TimeSpan duration, TimeSpan warmUp, Func<CancellationToken, Task> settle, CancellationToken cancellationToken)
    {
        var grains = workload.Grains(client);
        var windowStart = DateTimeOffset.UtcNow;
        var sentBefore = workload.Sent;
        var phases = new List<PhaseResult>();
        foreach (var call in Calls)
        {
            await settle(cancellationToken);
            var scenario = new Scenario(call, [new Step(call, c => workload.CallAsync(call, grains, c.Iteration))], [new KeepConstant(copies, duration)])
            {
                WarmUp = warmUp,
            };
            phases.Add(await environment.Runner.RunAsync($"audit {mode}: {call}, {copies} callers", [scenario], cancellationToken));
        }
        return new SiloLifetime(mode, phases, windowStart, DateTimeOffset.UtcNow, workload.Sent - sentBefore);
    }

    /// <summary>VACUUM (ANALYZE) of each database, then a CHECKPOINT: the database's deferred work done before a phase, not in it.</summary>
    private static async Task SettleAsync(string adminConnectionString, IReadOnlyList<string> databases, CancellationToken cancellationToken)
    {
        foreach (var database in databases)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE)", connection) { CommandTimeout = 600 };
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
            if (database == databases[^1])
            {
                await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 600 };
                await checkpoint.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static RunReport Summarize(ScenarioEnvironment environment, DateTimeOffset started, Uri silo, int copies, TimeSpan duration, TimeSpan warmUp,
        Workload workload, IReadOnlyList<SiloLifetime> lifetimes, IReadOnlyList<AuditCounts> counts)
    {
        var summary = new List<SummaryLine>
        {
            new("stack", $"PostgreSQL + 1 silo on loopback (restarted between the phases); a cluster client, {copies} callers, closed model, {Format.Seconds(warmUp)} warm-up ({Format.Seconds(warmUp * FirstRunWarmUpFactor)} in the first run, after the set-up) + {Format.Seconds(duration)} per call and phase"),
            new("tenants / records (one per caller)", $"{workload.Tenants.Count} (plan limit {workload.ConcurrentLimit} concurrent operations each) / {copies}"),
        };
        var notes = new List<string>
        {
            "Calls/s are successful calls per second of the measured run (warm-up excluded); refused calls (the tenants' quotas) and failures are counted apart, never as throughput.",
            "overhead = (off - on) / off, of calls/s; the target is checked against the mean of the two audited runs (on, on again), which cancels a drift of the machine over the run.",
            "record-put: ITenantRecordGrain.PutAsync replacing a record of fixed size (encrypted upsert in the tenant's schema, the quota filter's size reads before and after). rotation-noop: ITenantKeyRotationGrain.StartAsync for the key version the data is already on, a state-changing method by the contract's rule (so recorded) that the grain answers from memory: the filter's cost without a database write of the call's own.",
            "Audit records are rows of platform.audit_events of type grain.state-changed whose time falls within the measurements (warm-up included) of each silo run, counted after the silo stopped gracefully (its queue drained). Setting up the tenants is outside those windows.",
            "Before each phase the databases are vacuumed and checkpointed, so no phase pays for the dead rows and audit rows the ones before it left.",
            "The throwaway PostgreSQL runs without fsync and synchronous commit (as every test cluster): the database writes are cheaper than on a durable server, which makes the filter's share larger, not smaller.",
        };
        var checks = new List<ThresholdResult>();
        foreach (var call in Calls)
        {
            var steps = lifetimes.Select(l => l.Phases[Calls.ToList().IndexOf(call)].Scenarios[0].Steps[0]).ToList();
            var rates = steps.Select(s => s.OkRps).ToList();
            double Overhead(double on) => rates[1] <= 0 ? double.NaN : (rates[1] - on) / rates[1];
            var overheadOn = Overhead(rates[0]);
            var overheadAgain = Overhead(rates[2]);
            var overheadMean = Overhead((rates[0] + rates[2]) / 2);
            summary.Add(new($"{call} calls/s on / off / on again", string.Join(" / ", rates.Select(Format.Rate))));
            summary.Add(new($"{call} p50 / p99 ms on / off / on again", string.Join(" / ", steps.Select(s => $"{Format.Ms(s.P50Ms)}-{Format.Ms(s.P99Ms)}"))));
            summary.Add(new($"{call} successful / refused / failed, on / off / on again",
                string.Join(" / ", steps.Select(s => $"{Format.N(s.Ok)}-{Format.N(Refused(s))}-{Format.N(s.Failed - Refused(s))}"))));
            summary.Add(new($"{call} overhead (off - on) / off: on / on again / mean of both", $"{Pct(overheadOn)} / {Pct(overheadAgain)} / {Pct(overheadMean)}"));
            summary.Add(new($"{call} target < 10 %", double.IsNaN(overheadMean) ? "not measured (no call succeeded with auditing off)"
                : overheadMean < TargetOverhead ? $"met ({Pct(overheadMean)})" : $"not met ({Pct(overheadMean)})"));
        }
        summary.Add(new("grain.state-changed records in the measurements on / off / on again", string.Join(" / ", counts.Select(c => Format.N(c.StateChanged)))));
        summary.Add(new("recorded calls sent in the measurements on / off / on again", string.Join(" / ", lifetimes.Select(l => Format.N(l.Sent)))));
        summary.Add(new("audit.grain-calls-unrecorded (critical) records per silo run on / off / on again", string.Join(" / ", counts.Select(c => Format.N(c.Unrecorded)))));
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }

        var offOk = lifetimes[1].Phases.Sum(p => p.Scenarios[0].Steps[0].Ok);
        checks.Add(new("grain.state-changed records written while audited (on)", counts[0].StateChanged, counts[0].StateChanged > 0));
        checks.Add(new("grain.state-changed records written while audited (on again)", counts[2].StateChanged, counts[2].StateChanged > 0));
        checks.Add(new("no grain.state-changed record while not audited (off), calls served", counts[1].StateChanged, counts[1].StateChanged == 0 && offOk > 0));
        checks.Add(new("one critical audit.grain-calls-unrecorded record, from the off silo only", counts[1].Unrecorded,
            counts[1].Unrecorded == 1 && counts[0].Unrecorded == 0 && counts[2].Unrecorded == 0));
        return new RunReport("audit-overhead", started, "dotnet run --project load/SaaSReference.Load -- " + environment.Options.CommandLine,
            ScenarioEnvironment.Machine(), silo.ToString(), [.. lifetimes.SelectMany(l => l.Phases)], summary, checks, notes);
    }

    private static long Refused(StepSummary step) => step.Errors.Where(e => e.Status == 429).Sum(e => e.Count);

    private static string Pct(double fraction) => double.IsNaN(fraction) ? "n/a" : Format.Percent(fraction);

    /// <summary>One run of the silo: its mode, its two measurements, when the measurements ran and the recorded calls they sent.</summary>
    private sealed record SiloLifetime(string Mode, IReadOnlyList<PhaseResult> Phases, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, long Sent)
    {
        public DateTimeOffset Start { get; init; }

        public DateTimeOffset End { get; init; }
    }

    private sealed record AuditCounts(long StateChanged, long Unrecorded);

    /// <summary>Counts the audit rows of a silo run in <c>platform.audit_events</c>.</summary>
    private sealed class AuditCounter(string connectionString)
    {
        public async Task<AuditCounts> CountAsync(SiloLifetime lifetime, CancellationToken cancellationToken)
        {
            await using var source = NpgsqlDataSource.Create(connectionString);
            return new AuditCounts(
                await CountAsync(source, "grain.state-changed", lifetime.WindowStart, lifetime.WindowEnd, cancellationToken),
                await CountAsync(source, "audit.grain-calls-unrecorded", lifetime.Start, lifetime.End, cancellationToken));
        }

        private static async Task<long> CountAsync(NpgsqlDataSource source, string type, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
        {
            await using var command = source.CreateCommand("SELECT count(*) FROM platform.audit_events WHERE type = $1 AND at >= $2 AND at <= $3");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
    }

}
