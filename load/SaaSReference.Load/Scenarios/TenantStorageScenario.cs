using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HdrHistogram;
using Npgsql;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `tenant-storage` (8.2.3a, 16.1.7e, 12.1.3): provisions --tenants N (default 1,000) tenants on a throwaway stack the runner
/// starts on loopback (PostgreSQL with the platform database and the two region databases, one silo), one
/// <c>POST /api/tenants</c> each with --copies concurrent operators, half in each region. Measures the provisioning latency
/// per tenant (p50/p90/p99/max) and the total time, samples <c>pg_stat_activity</c> (client connections per database) during
/// and after, writes a record into a sample of the tenants and reads it back, then provisions every tenant again to show that
/// a repeated provisioning changes nothing (and how long it takes). Checks: all N created, one schema per tenant in its
/// region, the sample readable, every repeat answered 200 with no schema added, and region connections within the pools' bound.
/// </summary>
public sealed class TenantStorageScenario : ILoadScenario, IOwnStackScenario
{
    /// <summary>The silo's connection pool per region database (<c>TenantStorage:Regions:{region}:MaxPoolSize</c>) in this stack.</summary>
    public const int RegionPoolSize = 10;

    /// <summary>
    /// Pools a silo holds per region database: the tenant data paths' <c>NpgsqlDataSource</c> and the Orleans grain-storage provider
    /// of the region (ADO.NET, its own pool); each bounded by <see cref="RegionPoolSize"/>.
    /// </summary>
    public const int PoolsPerRegion = 2;

    public const string Collection = "bench";
    private const int MaxSample = 20;
    private static readonly string[] Regions = ["jp-east", "jp-west"];

    public string Name => "tenant-storage";

    public string Description => "provision N tenants (half per region) on an own stack: latency, connections per database, records, idempotent repeat";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var count = options.Tenants ?? 1000;
        var copies = options.Copies ?? 4;
        var bound = options.DurationOr(TimeSpan.FromMinutes(20));
        var output = environment.Output;
        var started = DateTimeOffset.UtcNow;

        output.WriteLine("tenant-storage: starting a throwaway PostgreSQL on loopback ...");
        await using var database = await ThrowawayDatabase.StartAsync("storage", cancellationToken);
        var postgres = database.Server;
        var settings = database.Settings;
        foreach (var region in Regions)
        {
            settings[$"TenantStorage:Regions:{region}:MaxPoolSize"] = RegionPoolSize.ToString(CultureInfo.InvariantCulture);
        }
        var databases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["platform"] = new NpgsqlConnectionStringBuilder(postgres.ConnectionString).Database!,
        };
        foreach (var region in Regions)
        {
            databases[region] = new NpgsqlConnectionStringBuilder(settings[$"TenantStorage:Regions:{region}:ConnectionString"]).Database!;
        }

        output.WriteLine("tenant-storage: starting one silo ...");
        PlatformCluster? cluster = null;
        try
        {
            cluster = await PlatformCluster.StartAsync(postgres.ConnectionString, settings, silos: 1, identities: 0, gateway: false);
            var silo = cluster.Silos[0].BaseAddress;
            var http = environment.CreateClient(silo, TimeSpan.FromSeconds(60));
            var key = cluster.BootstrapKey;
            var sampler = new ConnectionSampler(postgres.ConnectionString, databases);
            using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var samplerTask = sampler.RunAsync(TimeSpan.FromMilliseconds(500), sampling.Token);

            // 1. Provisioning: one POST each, half per region, --copies at a time, bounded by N and by --duration.
            sampler.Phase = "provisioning";
            var latency = new SyncHistogram();
            var created = new int[Regions.Length];
            var provision = new Scenario("provision", [new Step("create-tenant", async c =>
            {
                var i = (int)c.Iteration;
                var result = await CreateTenantAsync(http, key, TenantId(i), Regions[i % 2], HttpStatusCode.Created, latency, c.CancellationToken);
                if (result.IsOk)
                {
                    Interlocked.Increment(ref created[i % 2]);
                    sampler.TenantCreated();
                }
                return result;
            })], [new KeepConstant(copies, bound)]) { MaxIterations = count };
            var clock = Stopwatch.StartNew();
            var provisioning = await environment.Runner.RunAsync($"provision {count} tenants, {copies} at a time", [provision], cancellationToken);
            var provisioningTime = clock.Elapsed;
            var provisioned = provisioning.Scenarios[0].Steps[0];

            // 2. A record into a sample of the tenants (both regions), read back.
            sampler.Phase = "records";
            var sample = Sample(count, Math.Min(count, MaxSample));
            var readBack = 0;
            var records = new Scenario("records", [
                new Step("put-collection", c => SendAsync(http, HttpMethod.Put, $"/api/tenants/{TenantId(sample[(int)c.Iteration])}/collections/{Collection}", key,
                    new { classification = "internal", description = "tenant-storage load scenario" }, c.CancellationToken)),
                new Step("put-record", c => SendAsync(http, HttpMethod.Put, $"/api/tenants/{TenantId(sample[(int)c.Iteration])}/records/{Collection}/r-1", key,
                    new { tenant = TenantId(sample[(int)c.Iteration]), iteration = c.Iteration }, c.CancellationToken)),
                new Step("get-record", async c =>
                {
                    var tenant = TenantId(sample[(int)c.Iteration]);
                    var result = await ReadBackAsync(http, $"/api/tenants/{tenant}/records/{Collection}/r-1", key, tenant, c.CancellationToken);
                    if (result.IsOk)
                    {
                        Interlocked.Increment(ref readBack);
                    }
                    return result;
                }),
            ], [new KeepConstant(Math.Min(copies, sample.Count), TimeSpan.FromMinutes(2))]) { MaxIterations = sample.Count };
            var recordPhase = await environment.Runner.RunAsync($"a record into {sample.Count} tenants, read back", [records], cancellationToken);

            // 3. Provisioning again: idempotent, every tenant answered 200 as it is, nothing added.
            sampler.Phase = "repeat";
            var repeatLatency = new SyncHistogram();
            var repeat = new Scenario("repeat", [new Step("create-tenant-again", c =>
            {
                var i = (int)c.Iteration;
                return CreateTenantAsync(http, key, TenantId(i), Regions[i % 2], HttpStatusCode.OK, repeatLatency, c.CancellationToken);
            })], [new KeepConstant(copies, bound)]) { MaxIterations = count };
            clock.Restart();
            var repeating = await environment.Runner.RunAsync($"provision the {count} tenants again", [repeat], cancellationToken);
            var repeatTime = clock.Elapsed;
            var repeated = repeating.Scenarios[0].Steps[0];

            // 4. Idle: what stays open once the work is done.
            sampler.Phase = "after";
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            await sampling.CancelAsync();
            await samplerTask;

            var stored = await StoredAsync(postgres.ConnectionString, settings, cancellationToken);
            return Summarize(environment, started, silo, count, copies, [provisioning, recordPhase, repeating], provisioned, latency, provisioningTime,
                created, sample.Count, readBack, repeated, repeatLatency, repeatTime, sampler, stored);
        }
        catch (Exception e) when (cluster is not null && e is InvalidOperationException or TimeoutException or HttpRequestException)
        {
            output.WriteLine(string.Join('\n', cluster.Diagnostics().Split('\n').TakeLast(60)));
            throw;
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    private static RunReport Summarize(ScenarioEnvironment environment, DateTimeOffset started, Uri silo, int count, int copies, IReadOnlyList<PhaseResult> phases,
        StepSummary provisioned, SyncHistogram latency, TimeSpan provisioningTime, int[] created, int sampled, int readBack, StepSummary repeated,
        SyncHistogram repeatLatency, TimeSpan repeatTime, ConnectionSampler sampler, StoredTenants stored)
    {
        var perRegionBound = RegionPoolSize * PoolsPerRegion;
        var regionMaxDuring = Regions.Max(r => sampler.Max("provisioning", r));
        var regionMaxAll = Regions.Max(r => sampler.Max(null, r));
        var regionMaxAfter = Regions.Max(r => sampler.Max("after", r));
        var firstHalf = Regions.Max(r => sampler.MaxWhile(r, soFar => soFar <= count / 2));
        var secondHalf = Regions.Max(r => sampler.MaxWhile(r, soFar => soFar > count / 2));
        string PerDatabase(string? phase) => string.Join(", ", sampler.Databases.Select(d => $"{d} {sampler.Max(phase, d)}"));
        var summary = new List<SummaryLine>
        {
            new("stack", $"PostgreSQL + 1 silo on loopback; regions {string.Join(", ", Regions)} (a database each), region pool MaxPoolSize {RegionPoolSize}"),
            new("tenants provisioned / failed", $"{provisioned.Ok} / {provisioned.Failed} ({Regions[0]} {created[0]}, {Regions[1]} {created[1]}), {copies} at a time"),
            new("provisioning latency p50 / p90 / p99 / max ms", latency.Describe()),
            new("provisioning total time / tenants per second", $"{Format.Seconds(provisioningTime)} / {Format.Rate(provisioned.Ok / Math.Max(provisioningTime.TotalSeconds, 1e-3))}"),
            new("tenant schemas in the region databases", $"{Regions[0]} {stored.Schemas[0]}, {Regions[1]} {stored.Schemas[1]}; storage provisioned in the catalog {stored.Provisioned}; data keys {stored.Keys}"),
            new("client connections max while provisioning", PerDatabase("provisioning")),
            new("region connections max, first half / second half of the tenants", $"{firstHalf} / {secondHalf}"),
            new("client connections max over the whole run", PerDatabase(null)),
            new("client connections after the run (idle)", PerDatabase("after")),
            new("connection samples", Format.N(sampler.Count)),
            new("sample tenants with a record written and read back", $"{readBack} / {sampled}"),
            new("provisioning again: answered 200 / failed", $"{repeated.Ok} / {repeated.Failed}"),
            new("provisioning again latency p50 / p90 / p99 / max ms", repeatLatency.Describe()),
            new("provisioning again total time", Format.Seconds(repeatTime)),
        };
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }
        var expected = new[] { (count + 1) / 2, count / 2 };
        var checks = new List<ThresholdResult>
        {
            new($"all {count} tenants created (201)", provisioned.Ok, provisioned.Ok == count && provisioned.Failed == 0),
            new($"one schema per tenant in its region ({expected[0]} + {expected[1]})", stored.Schemas.Sum(),
                stored.Schemas[0] == expected[0] && stored.Schemas[1] == expected[1] && stored.Provisioned == count && stored.Keys == count),
            new($"a record written and read back in each of the {sampled} sample tenants", readBack, readBack == sampled),
            new($"provisioning again answered 200 for all {count}, nothing added", repeated.Ok, repeated.Ok == count && repeated.Failed == 0),
            new($"region connections within the silo's pools ({PoolsPerRegion} x {RegionPoolSize} per region)", regionMaxAll, sampler.Count > 0 && regionMaxAll <= perRegionBound),
        };
        var notes = new List<string>
        {
            "Latency per tenant is the time of its POST /api/tenants (the grain's state, the schema in its region, its data key, the catalog, the audit record); the engine's table below measures the same requests.",
            $"Connections are client backends in pg_stat_activity per database (the sampler's own excluded), every 500 ms. A silo holds {PoolsPerRegion} pools per region database (the data paths' and the Orleans grain-storage provider's), each at most {RegionPoolSize}: {perRegionBound} per region whatever the number of tenants.",
            $"Region connections max while provisioning: {regionMaxDuring}; after the run: {regionMaxAfter}.",
        };
        return new RunReport("tenant-storage", started, "dotnet run --project load/SaaSReference.Load -- " + environment.Options.CommandLine,
            ScenarioEnvironment.Machine(), silo.ToString(), phases, summary, checks, notes);
    }

    public static string TenantId(int index) => string.Create(CultureInfo.InvariantCulture, $"ts-{index:D5}");

    /// <summary><paramref name="size"/> tenant indexes spread over 0..count-1, alternating between the two regions (even, odd).</summary>
    public static IReadOnlyList<int> Sample(int count, int size)
    {
        var sample = new List<int>();
        for (var k = 0; k < size; k++)
        {
            var i = (int)((long)k * count / size);
            if (i % 2 != k % 2)
            {
                i = i + 1 < count ? i + 1 : i - 1;
            }
            if (i >= 0 && !sample.Contains(i))
            {
                sample.Add(i);
            }
        }
        return sample;
    }

    private static async Task<StepResult> CreateTenantAsync(HttpClient http, string key, string tenant, string region, HttpStatusCode expected,
        SyncHistogram latency, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var request = HttpSteps.Request(HttpMethod.Post, "/api/tenants",
            JsonContent.Create(new { id = tenant, displayName = "Storage tenant " + tenant, region }), operatorKey: key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            return StepResult.Fail((int)response.StatusCode, $"expected {(int)expected}: {Title(body) ?? response.ReasonPhrase}");
        }
        latency.Record(Stopwatch.GetElapsedTime(start));
        return StepResult.Ok((int)response.StatusCode);
    }

    private static Task<StepResult> SendAsync(HttpClient http, HttpMethod method, string path, string key, object body, CancellationToken cancellationToken) =>
        HttpSteps.SendAsync(http, HttpSteps.Request(method, path, JsonContent.Create(body), operatorKey: key), cancellationToken);

    private static async Task<StepResult> ReadBackAsync(HttpClient http, string path, string key, string tenant, CancellationToken cancellationToken)
    {
        using var request = HttpSteps.Get(path, operatorKey: key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return StepResult.Fail((int)response.StatusCode, Title(body) ?? response.ReasonPhrase ?? "failed");
        }
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("data").GetProperty("tenant").GetString() == tenant
            ? StepResult.Ok((int)response.StatusCode)
            : StepResult.Fail((int)response.StatusCode, "read back another content");
    }

    private static string? Title(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("title", out var title) ? title.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Tenant schemas registered in each region database, tenants provisioned in the catalog, data keys recorded.</summary>
    private static async Task<StoredTenants> StoredAsync(string platform, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var schemas = new long[Regions.Length];
        for (var r = 0; r < Regions.Length; r++)
        {
            await using var region = NpgsqlDataSource.Create(settings[$"TenantStorage:Regions:{Regions[r]}:ConnectionString"]);
            await using var command = region.CreateCommand(
                "SELECT count(*) FROM tenant_storage.tenants t JOIN pg_namespace n ON n.nspname = t.schema_name WHERE t.tenant_id LIKE 'ts-%'");
            schemas[r] = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        await using var source = NpgsqlDataSource.Create(platform);
        await using var provisioned = source.CreateCommand("SELECT count(*) FROM platform.tenant_storage WHERE state = 'provisioned' AND tenant_id LIKE 'ts-%'");
        await using var keys = source.CreateCommand("SELECT count(*) FROM platform.tenant_keys WHERE state = 'active' AND tenant_id LIKE 'ts-%'");
        return new StoredTenants(schemas, (long)(await provisioned.ExecuteScalarAsync(cancellationToken))!, (long)(await keys.ExecuteScalarAsync(cancellationToken))!);
    }

    private sealed record StoredTenants(long[] Schemas, long Provisioned, long Keys);

    /// <summary>An HdrHistogram (microseconds, 3 significant digits) that several copies record into.</summary>
    private sealed class SyncHistogram
    {
        private readonly LongHistogram _histogram = StepStats.NewHistogram();
        private readonly Lock _gate = new();

        public void Record(TimeSpan elapsed)
        {
            lock (_gate)
            {
                _histogram.RecordValue(Math.Clamp((long)elapsed.TotalMicroseconds, 1, StepStats.HighestMicroseconds));
            }
        }

        public string Describe()
        {
            lock (_gate)
            {
                return _histogram.TotalCount == 0
                    ? "no success"
                    : $"{Ms(_histogram, 50)} / {Ms(_histogram, 90)} / {Ms(_histogram, 99)} / {Format.Ms(_histogram.GetMaxValue() / 1000.0)}";
            }
        }

        private static string Ms(LongHistogram histogram, double percentile) => Format.Ms(histogram.GetValueAtPercentile(percentile) / 1000.0);
    }

    /// <summary>
    /// Samples the client connections per database (<c>pg_stat_activity</c>, client backends, its own excluded), tagged with
    /// the phase and the number of tenants created so far. Bounded by its token, which the scenario cancels.
    /// </summary>
    private sealed class ConnectionSampler(string connectionString, IReadOnlyDictionary<string, string> databases)
    {
        private readonly ConcurrentQueue<(string Phase, int Created, Dictionary<string, long> Connections)> _samples = new();
        private int _created;

        public volatile string Phase = "start";

        public IReadOnlyList<string> Databases { get; } = [.. databases.Keys];

        public int Count => _samples.Count;

        public void TenantCreated() => Interlocked.Increment(ref _created);

        /// <summary>The most connections to <paramref name="database"/> seen in <paramref name="phase"/> (null: any phase).</summary>
        public long Max(string? phase, string database) =>
            _samples.Where(s => phase is null || s.Phase == phase).Select(s => s.Connections.GetValueOrDefault(database)).DefaultIfEmpty(0).Max();

        /// <summary>The most connections to <paramref name="database"/> while provisioning, in the samples whose tenant count matches.</summary>
        public long MaxWhile(string database, Func<int, bool> created) =>
            _samples.Where(s => s.Phase == "provisioning" && created(s.Created)).Select(s => s.Connections.GetValueOrDefault(database)).DefaultIfEmpty(0).Max();

        public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
        {
            var names = databases.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                while (!cancellationToken.IsCancellationRequested)
                {
                    var phase = Phase;
                    var created = Volatile.Read(ref _created);
                    var counts = Databases.ToDictionary(d => d, _ => 0L, StringComparer.Ordinal);
                    await using (var command = new NpgsqlCommand(
                        """
                        SELECT datname, count(*) FROM pg_stat_activity
                         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname = ANY($1)
                         GROUP BY datname
                        """, connection))
                    {
                        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. names.Keys] });
                        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                        while (await reader.ReadAsync(cancellationToken))
                        {
                            counts[names[reader.GetString(0)]] = reader.GetInt64(1);
                        }
                    }
                    _samples.Enqueue((phase, created, counts));
                    await Task.Delay(interval, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }
        }
    }
}
