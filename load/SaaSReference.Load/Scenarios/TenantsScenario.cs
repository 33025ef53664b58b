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
/// operators; time per tenant, and with --connection-string the database connections in use (pg_stat_activity),
/// sampled every second.
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
        var sampler = options.ConnectionString is { } cs ? SampleConnectionsAsync(cs, environment.Guard, sampling.Token) : Task.FromResult(new List<long>());
        var phase = await environment.Runner.RunAsync($"provision {count} tenants", [scenario], cancellationToken);
        await sampling.CancelAsync();
        var samples = await sampler;

        var step = phase.Scenarios[0].Steps[0];
        var summary = new List<SummaryLine>
        {
            new("tenants created / failed", $"{step.Ok} / {step.Failed}"),
            new("time per tenant p50 / p99 / max ms", $"{Format.Ms(step.P50Ms)} / {Format.Ms(step.P99Ms)} / {Format.Ms(step.MaxMs)}"),
            new("tenants per second", Format.Rate(step.OkRps)),
            new("total time", Format.Seconds(phase.Scenarios[0].Duration)),
            new("database connections in use max / mean", samples.Count == 0
                ? "not measured (pass --connection-string)" : $"{samples.Max()} / {Format.Number(samples.Average())}"),
        };
        return ScenarioCatalog.Report(environment, Name, started, [phase], summary,
            [new($"all {count} tenants created", step.Ok, step.Ok == count)]);
    }

    private static async Task<List<long>> SampleConnectionsAsync(string connectionString, TargetGuard guard, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        guard.Check(new Uri($"http://{builder.Host}/"));
        var samples = new List<long>();
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            // Bounded by the phase: the token is cancelled when it ends (and the phase itself is bounded).
            while (!cancellationToken.IsCancellationRequested)
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()", connection);
                samples.Add((long)(await command.ExecuteScalarAsync(cancellationToken))!);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The phase is over.
        }
        return samples;
    }
}
