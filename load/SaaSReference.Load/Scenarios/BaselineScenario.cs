using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `baseline`: the same read (GET /api/tenants/{id} as operator) through the gateway, then straight to one silo's
/// API, at the same open-model rate; prints gateway/silo ratios. The default rate stays under the gateway's
/// per-address bucket (100/s) that operator-key requests are charged to, so both legs measure latency, not refusals.
/// The raw grain call from a cluster client is not measured yet (load/README.md).
/// </summary>
public sealed class BaselineScenario : ILoadScenario
{
    public const string TenantId = "load-baseline";

    public string Name => "baseline";

    public string Description => "gateway vs straight to a silo: same read, same rate, latency ratios";

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
        Scenario Read(string name, HttpClient client) => new(name,
            [new Step("get-tenant", c => HttpSteps.SendAsync(client, HttpSteps.Get($"/api/tenants/{TenantId}", operatorKey: key), c.CancellationToken))],
            [simulation])
        { WarmUp = options.WarmUp ?? TimeSpan.FromSeconds(2), MaxIterations = options.MaxRequests };

        var viaGateway = await environment.Runner.RunAsync("through the gateway", [Read("gateway", gateway)], cancellationToken);
        var direct = await environment.Runner.RunAsync("straight to a silo", [Read("silo", silo)], cancellationToken);
        var g = viaGateway["gateway"].Steps[0];
        var s = direct["silo"].Steps[0];
        var summary = new List<SummaryLine>
        {
            new("gateway p50 / p99 ms", $"{Format.Ms(g.P50Ms)} / {Format.Ms(g.P99Ms)}"),
            new("silo p50 / p99 ms", $"{Format.Ms(s.P50Ms)} / {Format.Ms(s.P99Ms)}"),
            new("ratio gateway / silo, p50", Format.Ratio(g.P50Ms, s.P50Ms)),
            new("ratio gateway / silo, p99", Format.Ratio(g.P99Ms, s.P99Ms)),
            new("ratio gateway / silo, mean", Format.Ratio(g.MeanMs, s.MeanMs)),
            new("raw grain call from a cluster client", "not measured yet"),
        };
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }
        return ScenarioCatalog.Report(environment, Name, started, [viaGateway, direct], summary, [],
            "The third leg (a raw grain call from an Orleans cluster client) is not implemented yet.");
    }
}
