using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `failover` (17.2.1a-d): steady record writes and reads across several tenants through the gateway of a throwaway
/// stack the runner starts on loopback (PostgreSQL, 3 silos, the gateway; 2 identity instances for the
/// identity-kill variant), one fault injected mid-run (by default SIGKILL of one silo) and undone, then every
/// acknowledged write read back. Prints the failures by status, the time from the fault until requests succeed
/// again, and the acknowledged writes lost (checked: must be 0).
/// Requests carry the bootstrap operator key: the gateway charges them to the anonymous per-address bucket, which
/// this throwaway stack raises to 5,000/s (PlatformCluster), so the tenants' plans (10/s) do not cap the rate.
/// </summary>
public sealed class FailoverScenario : ILoadScenario, IOwnStackScenario
{
    public const string Collection = "failover";
    private const string MachineClientId = "failover-worker";
    private const int RecordsPerTenant = 20;

    public static IReadOnlyList<string> Variants { get; } = ["kill", "stop", "identity-kill", "postgres-restart"];

    public string Name => "failover";

    public string Description => "steady writes and reads while one silo is killed and restarted; acknowledged writes read back";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var variant = options.Variant ?? "kill";
        if (!Variants.Contains(variant))
        {
            throw new InvalidOperationException($"Unknown failover variant '{variant}' (kill, stop, identity-kill, postgres-restart).");
        }
        var duration = options.DurationOr(TimeSpan.FromSeconds(60));
        var tenantCount = options.Tenants ?? 4;
        var rate = options.Rate ?? 20;
        var output = environment.Output;
        var started = DateTimeOffset.UtcNow;

        output.WriteLine("failover: starting a throwaway PostgreSQL on loopback ...");
        var root = Path.Combine(Path.GetTempPath(), $"{ThrowawayDatabase.DirectoryPrefix}{Guid.NewGuid():N}");
        var pgOptions = new PostgresServerOptions { RootDirectory = root, Durable = false, DeleteOnStop = variant != "postgres-restart" };
        var postgres = await PostgresServer.StartAsync(pgOptions, cancellationToken);
        pgOptions = pgOptions with { Port = postgres.Port };
        PlatformCluster? cluster = null;
        FailoverFault? fault = null;
        try
        {
            var tenants = Enumerable.Range(1, tenantCount).Select(i => $"failover-{i}").ToList();
            var machineSecret = SecretsFile.NewToken();
            var seed = new PlatformSeed([], [new SeedMachineClient(MachineClientId, machineSecret, tenants[0])]);
            var identities = variant == "identity-kill" ? 2 : 0;
            output.WriteLine($"failover: starting 3 silos, {identities} identity instance(s) and the gateway ...");
            var regions = await LocalRegions.EnsureAsync(postgres, "failover", Path.Combine(root, "data"), cancellationToken);
            cluster = await PlatformCluster.StartAsync(postgres.ConnectionString, regions, silos: 3, identities: identities, gateway: true, seed: seed);
            var http = environment.CreateClient(cluster.Gateway!.BaseAddress, TimeSpan.FromSeconds(30));
            var key = cluster.BootstrapKey;
            var log = new RequestLog();
            var acked = new ConcurrentBag<AckedWrite>();
            var sent = new ConcurrentDictionary<string, ConcurrentBag<string>>();

            foreach (var tenant in tenants)
            {
                await RetryAsync(() => PlatformApi.EnsureTenantAsync(http, key, tenant, cancellationToken, Collection), cancellationToken);
            }
            // Every record exists before the run, so that reads find one whatever the writers did.
            for (var r = 0; r < RecordsPerTenant; r++)
            {
                foreach (var tenant in tenants)
                {
                    var result = await WriteAsync(http, key, tenant, $"r{r}", -1 - r, acked, sent, null, cancellationToken);
                    if (!result.IsOk)
                    {
                        throw new InvalidOperationException($"Writing the first version of {tenant}/r{r} was answered {result.StatusCode} {result.Reason}.");
                    }
                }
            }

            var clock = Stopwatch.StartNew();
            var writer = new Scenario("writer", [new Step("put-record", c =>
            {
                var tenant = tenants[(int)(c.Iteration % tenants.Count)];
                var record = $"r{(c.Iteration / tenants.Count) % RecordsPerTenant}";
                return WriteAsync(http, key, tenant, record, c.Iteration, acked, sent, (log, clock, "PUT"), c.CancellationToken);
            })], [new Inject(rate, TimeSpan.FromSeconds(1), duration)]);
            var reader = new Scenario("reader", [new Step("get-record", c =>
            {
                var tenant = tenants[(int)(c.Iteration % tenants.Count)];
                var record = $"r{(c.Iteration * 7 / tenants.Count) % RecordsPerTenant}";
                return Logged(log, clock, "GET", HttpSteps.SendAsync(http,
                    HttpSteps.Get($"/api/tenants/{tenant}/records/{Collection}/{record}", operatorKey: key), c.CancellationToken));
            })], [new Inject(rate, TimeSpan.FromSeconds(1), duration)]);
            var scenarios = new List<Scenario> { writer, reader };
            if (variant == "identity-kill")
            {
                scenarios.Add(new Scenario("tokens", [new Step("token", c => Logged(log, clock, "POST token",
                    HttpSteps.SendAsync(http, PlatformApi.TokenRequest(MachineClientId, machineSecret), c.CancellationToken)))],
                    [new Inject(Math.Max(1, rate / 4), TimeSpan.FromSeconds(1), duration)]));
            }

            fault = new FailoverFault(variant, cluster, postgres, pgOptions, clock, output);
            var faultTask = fault.RunAsync(duration * 0.3, duration * 0.6, cancellationToken);
            var phase = await environment.Runner.RunAsync($"steady load, {variant} at {Format.Seconds(duration * 0.3)}", scenarios, cancellationToken);
            await faultTask;

            output.WriteLine($"failover: reading back {acked.Count} acknowledged writes ...");
            var readBack = await ReadBackAsync(http, key, acked, sent, cancellationToken);
            if (log.Entries().Any(entry => !entry.Ok) || readBack.Unreadable > 0)
            {
                // What the services said during the run, for finding out why requests failed (the report has only counts).
                var logPath = Path.Combine(Path.GetTempPath(), $"saasref-failover-{variant}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.log");
                await File.WriteAllTextAsync(logPath, cluster.Diagnostics(), cancellationToken);
                output.WriteLine($"failover: the services' output is in {logPath}");
            }
            return Summarize(environment, started, phase, fault, log, acked.Count, readBack, cluster.Gateway!.BaseAddress, duration, tenantCount, rate);
        }
        catch (Exception e) when (cluster is not null && e is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            // The services' last lines say why (the runner prints only the message).
            var lines = cluster.Diagnostics().Split('\n');
            output.WriteLine(string.Join('\n', lines.TakeLast(60)));
            throw;
        }
        finally
        {
            postgres = fault?.Postgres ?? postgres;
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            await postgres.StopAsync();
            if (variant == "postgres-restart")
            {
                TryDelete(root);
                TryDelete(Path.GetDirectoryName(postgres.DataDirectory)!);
            }
        }
    }

    private static RunReport Summarize(ScenarioEnvironment environment, DateTimeOffset started, PhaseResult phase, FailoverFault fault, RequestLog log,
        int ackedCount, ReadBackResult readBack, Uri gateway, TimeSpan duration, int tenants, int rate)
    {
        var entries = log.Entries();
        var faultAt = fault.FaultAt ?? TimeSpan.Zero;
        var failed = entries.Where(e => !e.Ok).ToList();
        var afterFault = failed.Where(e => e.At >= faultAt).ToList();
        var lastFailure = afterFault.Count > 0 ? afterFault.Max(e => e.At) : (TimeSpan?)null;
        var byStatus = failed.GroupBy(e => (e.Method, e.Status)).OrderBy(g => g.Key.Method, StringComparer.Ordinal).ThenBy(g => g.Key.Status)
            .Select(g => $"{g.Key.Method} {g.Key.Status} x{g.Count()}").ToList();
        var restartedAt = fault.RestartedAt;
        var afterRestart = restartedAt is { } r ? failed.Count(e => e.At >= r) : 0;
        var summary = new List<SummaryLine>
        {
            new("stack", $"PostgreSQL + 3 silos{(fault.Variant == "identity-kill" ? " + 2 identity instances" : "")} + gateway on loopback, {tenants} tenants, {rate} writes/s + {rate} reads/s for {Format.Seconds(duration)}"),
            new("fault", $"{fault.Describe()} at {Format.Seconds(faultAt)}, started again at {(fault.RestartAt is { } ra ? Format.Seconds(ra) : "-")}, ready at {(restartedAt is { } rr ? Format.Seconds(rr) : "-")}"),
            new("requests sent / failed", $"{entries.Count} / {failed.Count}"),
            new("failed requests by status", byStatus.Count == 0 ? "none" : string.Join(", ", byStatus)),
            new("requests succeed again after the fault (last failed request)", lastFailure is { } lf ? Format.Seconds(lf - faultAt) : "0.0 s (no failure after the fault)"),
            new("failed requests before the fault / after the restart", $"{failed.Count(e => e.At < faultAt)} / {afterRestart}"),
            new("acknowledged writes", Format.N(ackedCount)),
            new("records read back / unreadable", $"{readBack.Records} / {readBack.Unreadable}"),
            new("acknowledged writes lost", Format.N(readBack.Lost)),
        };
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }
        foreach (var detail in readBack.Details.Take(10))
        {
            environment.Output.WriteLine("  lost: " + detail);
        }
        var checks = new List<ThresholdResult>
        {
            new("no acknowledged write lost", readBack.Lost, readBack.Lost == 0),
            new("every written record readable after the run", readBack.Unreadable, readBack.Unreadable == 0),
        };
        return new RunReport("failover", started, "dotnet run --project load/SaaSReference.Load -- " + environment.Options.CommandLine,
            ScenarioEnvironment.Machine(), gateway.ToString(), [phase], summary, checks,
            [.. readBack.Details.Take(20).Select(d => "Lost: " + d),
             "Requests carry the bootstrap operator key (anonymous per-address bucket, raised to 5,000/s on this throwaway stack).",
             "\"Succeed again\" is the time from the fault to the last failed request of any kind."]);
    }

    private static async Task<StepResult> WriteAsync(HttpClient http, string key, string tenant, string record, long sequence,
        ConcurrentBag<AckedWrite> acked, ConcurrentDictionary<string, ConcurrentBag<string>> sent, (RequestLog Log, Stopwatch Clock, string Method)? logging,
        CancellationToken cancellationToken)
    {
        var path = $"/api/tenants/{tenant}/records/{Collection}/{record}";
        var payload = new JsonObject
        {
            ["sequence"] = sequence,
            ["tenant"] = tenant,
            ["note"] = "failover load scenario",
        }.ToJsonString();
        sent.GetOrAdd(path, _ => []).Add(payload);
        StepResult result;
        try
        {
            using var request = HttpSteps.Request(HttpMethod.Put, path, new StringContent(payload, Encoding.UTF8, "application/json"), operatorKey: key);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 200 or 201)
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                acked.Add(new AckedWrite(path, document.RootElement.GetProperty("version").GetInt64(), payload));
                result = StepResult.Ok(status);
            }
            else
            {
                result = StepResult.Fail(status, response.ReasonPhrase ?? response.StatusCode.ToString());
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            result = StepResult.Fail(0, e is TaskCanceledException ? "timeout" : "transport error");
        }
        logging?.Log.Add(logging.Value.Clock.Elapsed, logging.Value.Method, result);
        return result;
    }

    private static async Task<StepResult> Logged(RequestLog log, Stopwatch clock, string method, Task<StepResult> request)
    {
        StepResult result;
        try
        {
            result = await request;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            result = StepResult.Fail(0, e is TaskCanceledException ? "timeout" : "transport error");
        }
        log.Add(clock.Elapsed, method, result);
        return result;
    }

    /// <summary>
    /// Reads every written record once (a few tries for a 5xx or no answer) and checks each acknowledged write
    /// against it: the record's version must be at least the acknowledged one, and at the same version the
    /// content must be the acknowledged content. A newer version must hold content the runner sent to that record.
    /// </summary>
    private static async Task<ReadBackResult> ReadBackAsync(HttpClient http, string key, ConcurrentBag<AckedWrite> acked,
        ConcurrentDictionary<string, ConcurrentBag<string>> sent, CancellationToken cancellationToken)
    {
        var lost = 0;
        var unreadable = 0;
        var details = new List<string>();
        foreach (var group in acked.GroupBy(a => a.Path))
        {
            (long Version, JsonNode? Data)? current = null;
            for (var attempt = 0; attempt < 5 && current is null; attempt++)
            {
                try
                {
                    using var response = await http.SendAsync(HttpSteps.Get(group.Key, operatorKey: key), cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        var node = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
                        current = (node["version"]!.GetValue<long>(), node["data"]?.DeepClone());
                    }
                    else if ((int)response.StatusCode < 500)
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // No answer: try again below.
                }
                if (current is null)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
            if (current is not { } read)
            {
                unreadable++;
                lost += group.Count();
                details.Add($"{group.Key}: not readable ({group.Count()} acknowledged writes)");
                continue;
            }
            foreach (var write in group)
            {
                var same = JsonNode.DeepEquals(read.Data, JsonNode.Parse(write.Payload));
                if (read.Version < write.Version || (read.Version == write.Version && !same))
                {
                    lost++;
                    details.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{group.Key}: acknowledged version {write.Version}, read version {read.Version}{(same ? "" : " with other content")}"));
                }
            }
            if (!sent[group.Key].Any(p => JsonNode.DeepEquals(read.Data, JsonNode.Parse(p))))
            {
                lost++;
                details.Add($"{group.Key}: holds content the runner never sent");
            }
        }
        return new ReadBackResult(acked.Select(a => a.Path).Distinct().Count(), unreadable, lost, details);
    }

    private static async Task RetryAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && directory.Contains(ThrowawayDatabase.DirectoryPrefix, StringComparison.Ordinal))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record AckedWrite(string Path, long Version, string Payload);

    private sealed record ReadBackResult(int Records, int Unreadable, int Lost, IReadOnlyList<string> Details);

    private sealed record LoggedRequest(TimeSpan At, string Method, bool Ok, int Status);

    /// <summary>When each measured request ended and how, for the time to recover and the failures by status.</summary>
    private sealed class RequestLog
    {
        private readonly ConcurrentQueue<LoggedRequest> _entries = new();

        public void Add(TimeSpan at, string method, StepResult result) => _entries.Enqueue(new(at, method, result.IsOk, result.StatusCode));

        public List<LoggedRequest> Entries() => [.. _entries];
    }

}

/// <summary>A scenario that starts (and owns) its own platform instead of using --target or the local stack.</summary>
public interface IOwnStackScenario
{
    /// <summary>Whether this run (its options: e.g. signin only with --variant mfa) starts its own stack.</summary>
    bool OwnsStack(LoadOptions options) => true;
}
