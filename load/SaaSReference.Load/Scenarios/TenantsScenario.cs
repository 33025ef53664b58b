using System.Globalization;
using System.Net.Http.Json;
using Npgsql;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `tenants`: provisions --tenants N (default 1,000) tenants through POST /api/tenants with --copies concurrent
/// operators; time per tenant, and the platform database's connections in use (pg_stat_activity), sampled every
/// second: of --connection-string, else (against the local stack) of the AppHost's PostgreSQL.
/// </summary>
public sealed class TenantsScenario : ILoadScenario
{
    public string Name => "tenants";

    public string Description => "provision N tenants: time per tenant, database connections in use";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var count = options.Tenants ?? 1000;
        var key = environment.RequireOperatorKey();
        var http = environment.CreateClient(environment.Gateway, TimeSpan.FromSeconds(30));
        var prefix = "load-" + DateTime.UtcNow.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
        var started = DateTimeOffset.UtcNow;
        var scenario = new Scenario("provision", [new Step("create-tenant", c => HttpSteps.SendAsync(http,
            HttpSteps.Request(HttpMethod.Post, "/api/tenants",
                JsonContent.Create(new { id = $"{prefix}-{c.Iteration:D5}", displayName = $"Load tenant {c.Iteration}" }), operatorKey: key),
            c.CancellationToken))], [new KeepConstant(options.Copies ?? 4, options.DurationOr(TimeSpan.FromMinutes(10)))])
        { MaxIterations = count };

        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var (database, unavailable) = LocalDatabase.Resolve(options.ConnectionString, "--connection-string", options);
        var samples = new List<long>();
        var sampler = database is not null
            ? SampleConnectionsAsync(database, environment.Guard, samples, sampling.Token)
            : Task.FromResult<string?>(unavailable);
        // The first sample, before the first tenant: the connections the platform holds at rest.
        await WaitForFirstSampleAsync(samples, sampler);
        var phase = await environment.Runner.RunAsync($"provision {count} tenants", [scenario], cancellationToken);
        await sampling.CancelAsync();
        var notMeasured = await sampler;

        var step = phase.Scenarios[0].Steps[0];
        var summary = new List<SummaryLine>
        {
            new("tenants created / failed", $"{step.Ok} / {step.Failed}"),
            new("time per tenant p50 / p99 / max ms", $"{Format.Ms(step.P50Ms)} / {Format.Ms(step.P99Ms)} / {Format.Ms(step.MaxMs)}"),
            new("tenants per second", Format.Rate(step.OkRps)),
            new("total time", Format.Seconds(phase.Scenarios[0].Duration)),
            new("database connections in use max / mean", samples.Count == 0
                ? $"not measured: {notMeasured ?? "no sample taken"}" : $"{samples.Max()} / {Format.Number(samples.Average())}"
                    + (notMeasured is null ? "" : $" (sampling stopped: {notMeasured})")),
        };
        return ScenarioCatalog.Report(environment, Name, started, [phase], summary,
            [new($"all {count} tenants created", step.Ok, step.Ok == count)]);
    }

    private static async Task WaitForFirstSampleAsync(List<long> samples, Task<string?> sampler)
    {
        for (var waited = 0; waited < 100 && !sampler.IsCompleted; waited++)
        {
            lock (samples)
            {
                if (samples.Count > 0)
                {
                    return;
                }
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>
    /// Adds the connections to the database in use to <paramref name="samples"/> once a second until the phase ends, and
    /// answers null; or the reason it stopped: a database that cannot be reached (or stops answering) ends the sampling,
    /// never the provisioning it watches.
    /// </summary>
    private static async Task<string?> SampleConnectionsAsync(string connectionString, TargetGuard guard, List<long> samples,
        CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            return "the connection string cannot be read: " + e.Message;
        }
        if (!guard.AllowsHost(builder.Host ?? ""))
        {
            return $"the database's host {builder.Host} is neither a loopback address nor a host given with --target";
        }
        builder.Timeout = 5;
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            // Bounded by the phase: the token is cancelled when it ends (and the phase itself is bounded).
            while (!cancellationToken.IsCancellationRequested)
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()", connection);
                var inUse = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                lock (samples)
                {
                    samples.Add(inUse);
                }
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The phase is over.
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return $"the database at {builder.Host}:{builder.Port} cannot be read ({e.Message})";
        }
        return null;
    }
}
