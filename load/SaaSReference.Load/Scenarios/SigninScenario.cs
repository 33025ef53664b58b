using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `signin`: token issuance for machine clients (client_credentials, scope api) through the gateway's
/// /identity/connect/token, closed model. Token requests are charged to the gateway's per-address bucket
/// (100/s by default), so refusals (429) above that are the gateway working, and are counted apart.
/// Users with MFA are not covered yet (load/README.md).
/// </summary>
public sealed class SigninScenario : ILoadScenario
{
    public string Name => "signin";

    public string Description => "token issuance throughput for machine clients";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var clients = environment.MachineClients;
        if (clients.Count == 0)
        {
            throw new InvalidOperationException("No machine client: pass --client ID:SECRET, or run against the local stack (demo-worker).");
        }
        var http = environment.CreateClient(environment.Gateway);
        var started = DateTimeOffset.UtcNow;
        var scenario = new Scenario("machine-clients", [new Step("token", c =>
        {
            var (id, secret) = clients[(int)(c.Iteration % clients.Count)];
            return HttpSteps.SendAsync(http, PlatformApi.TokenRequest(id, secret), c.CancellationToken);
        })], [new KeepConstant(options.Copies ?? 4, options.DurationOr(TimeSpan.FromSeconds(20)))])
        {
            WarmUp = options.WarmUp ?? TimeSpan.FromSeconds(2),
            MaxIterations = options.MaxRequests,
        };
        var phase = await environment.Runner.RunAsync("machine-client tokens", [scenario], cancellationToken);
        var step = phase.Scenarios[0].Steps[0];
        var refused = step.Errors.Where(e => e.Status == 429).Sum(e => e.Count);
        var summary = new List<SummaryLine>
        {
            new("tokens issued per second", Format.Rate(step.OkRps)),
            new("token p50 / p99 ms", $"{Format.Ms(step.P50Ms)} / {Format.Ms(step.P99Ms)}"),
            new("refused by the gateway (429)", Format.N(refused)),
            new("users with MFA", "not measured yet"),
        };
        return ScenarioCatalog.Report(environment, Name, started, [phase], summary, [],
            "Sign-in of users with MFA (password + TOTP through the authorization code flow) is not implemented yet.");
    }
}
