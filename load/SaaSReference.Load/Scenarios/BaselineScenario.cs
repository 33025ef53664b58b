using SaaSReference.Contracts.Tenants;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `baseline`: the same read three ways at the same open-model rate: GET /api/tenants/{id} as operator through the gateway,
/// the same request straight to one silo's API, and the tenant grain's GetAsync called from an Orleans cluster client (no HTTP,
/// no authentication; the call carries no actor, which a read does not need). Prints p50/p99 and the ratios gateway/silo,
/// gateway/grain and silo/grain. The default rate stays under the gateway's per-address bucket (100/s) that operator-key
/// requests are charged to, so every leg measures latency, not refusals. The grain leg needs the clustering database
/// (--clustering; default the local stack's, from .data/postgres/postgres-secrets.json); without it the leg says
/// "not measured" and why, and the run goes on.
/// </summary>
public sealed class BaselineScenario : ILoadScenario
{
    public const string TenantId = "load-baseline";

    public string Name => "baseline";

    public string Description => "gateway vs straight to a silo vs a raw grain call: same read, same rate, latency ratios";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var key = environment.RequireOperatorKey();
        var gateway = environment.CreateClient(environment.Gateway);
        var silo = environment.CreateClient(options.Silo ?? LocalStack.FirstSilo);
        var started = DateTimeOffset.UtcNow;
        await PlatformApi.EnsureTenantAsync(gateway, key, TenantId, cancellationToken);
        var simulation = new Inject(options.Rate ?? 40, TimeSpan.FromSeconds(1), options.DurationOr(TimeSpan.FromSeconds(20)));
        Scenario Read(string name, Func<StepContext, Task<StepResult>> get) => new(name, [new Step("get-tenant", get)], [simulation])
        { WarmUp = options.WarmUp ?? TimeSpan.FromSeconds(2), MaxIterations = options.MaxRequests };
        Scenario Http(string name, HttpClient client) =>
            Read(name, c => HttpSteps.SendAsync(client, HttpSteps.Get($"/api/tenants/{TenantId}", operatorKey: key), c.CancellationToken));

        var viaGateway = await environment.Runner.RunAsync("through the gateway", [Http("gateway", gateway)], cancellationToken);
        var direct = await environment.Runner.RunAsync("straight to a silo", [Http("silo", silo)], cancellationToken);
        var phases = new List<PhaseResult> { viaGateway, direct };
        var notes = new List<string>();

        var (connection, unavailable) = Clustering(options);
        PhaseResult? grainPhase = null;
        if (connection is not null)
        {
            try
            {
                await using var client = await OrleansClusterClient.ConnectAsync(connection, environment.Guard, TimeSpan.FromSeconds(20), cancellationToken);
                var tenant = client.Client.GetGrain<ITenantGrain>(TenantId);
                grainPhase = await environment.Runner.RunAsync("raw grain call from a cluster client", [Read("grain", async _ =>
                    await tenant.GetAsync() is null ? StepResult.Fail(404, "no such tenant") : StepResult.Ok())], cancellationToken);
                phases.Add(grainPhase);
                notes.Add($"The grain leg: ITenantGrain.GetAsync(\"{TenantId}\") from an Orleans cluster client (cluster '{connection.ClusterId}', gateways {string.Join(", ", client.Gateways)}); no HTTP, no token check, no actor.");
            }
            catch (Exception e) when (e is InvalidOperationException or TargetRefusedException)
            {
                unavailable = e.Message;
            }
        }

        var g = viaGateway["gateway"].Steps[0];
        var s = direct["silo"].Steps[0];
        var summary = new List<SummaryLine>
        {
            new("gateway p50 / p99 ms", $"{Format.Ms(g.P50Ms)} / {Format.Ms(g.P99Ms)}"),
            new("silo p50 / p99 ms", $"{Format.Ms(s.P50Ms)} / {Format.Ms(s.P99Ms)}"),
            new("ratio gateway / silo, p50", Format.Ratio(g.P50Ms, s.P50Ms)),
            new("ratio gateway / silo, p99", Format.Ratio(g.P99Ms, s.P99Ms)),
            new("ratio gateway / silo, mean", Format.Ratio(g.MeanMs, s.MeanMs)),
        };
        if (grainPhase is not null)
        {
            var r = grainPhase["grain"].Steps[0];
            summary.AddRange(
            [
                new("grain p50 / p99 ms", $"{Format.Ms(r.P50Ms)} / {Format.Ms(r.P99Ms)} ({Format.N(r.Ok)} ok, {Format.N(r.Failed)} failed)"),
                new("ratio gateway / grain, p50", Format.Ratio(g.P50Ms, r.P50Ms)),
                new("ratio gateway / grain, p99", Format.Ratio(g.P99Ms, r.P99Ms)),
                new("ratio silo / grain, p50", Format.Ratio(s.P50Ms, r.P50Ms)),
                new("ratio silo / grain, p99", Format.Ratio(s.P99Ms, r.P99Ms)),
            ]);
        }
        else
        {
            summary.Add(new("raw grain call from a cluster client", "not measured: " + unavailable));
            notes.Add("The grain leg was not measured: " + unavailable + ". Give --clustering (the clustering database's connection string) and --cluster-id when the cluster is not the local stack.");
        }
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }
        return ScenarioCatalog.Report(environment, Name, started, phases, summary, [], [.. notes]);
    }

    /// <summary>
    /// Where the cluster's membership is: --clustering, else (against the local stack only) the AppHost's PostgreSQL. Null, with
    /// the reason, when there is none to use.
    /// </summary>
    internal static (ClusterConnection? Connection, string? Reason) Clustering(LoadOptions options)
    {
        var clusterId = options.ClusterId ?? ClusterConnection.LocalClusterId;
        var (connectionString, reason) = LocalDatabase.Resolve(options.Clustering, "--clustering", options);
        return (connectionString is null ? null : new ClusterConnection(connectionString, clusterId, clusterId), reason);
    }
}
