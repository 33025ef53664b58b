using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `signin`, two variants (`--variant`). `machine` (the default): token issuance for machine clients
/// (client_credentials, scope api) through the gateway's /identity/connect/token, closed model, against --target or the
/// local stack. Token requests are charged to the gateway's per-address bucket (100/s by default), so refusals (429)
/// above that are the gateway working, and are counted apart. `mfa`: people signing in with password and TOTP through
/// the gateway as a browser does, on a throwaway stack of its own (<see cref="MfaSigninScenario"/>).
/// </summary>
public sealed class SigninScenario : ILoadScenario, IOwnStackScenario
{
    public static IReadOnlyList<string> Variants { get; } = ["machine", "mfa"];

    public string Name => "signin";

    public string Description => "token issuance for machine clients; --variant mfa: people signing in with password + TOTP on an own stack";

    public bool OwnsStack(LoadOptions options) => (options?.Variant ?? "machine") != "machine";

    public Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return (environment.Options.Variant ?? "machine") switch
        {
            "machine" => RunMachineClientsAsync(environment, cancellationToken),
            "mfa" => MfaSigninScenario.RunAsync(environment, cancellationToken),
            var other => throw new InvalidOperationException($"Unknown signin variant '{other}' ({string.Join(", ", Variants)})."),
        };
    }

    private async Task<RunReport> RunMachineClientsAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        var options = environment.Options;
        var clients = environment.MachineClients;
        if (clients.Count == 0)
        {
            throw new InvalidOperationException("No machine client: pass --client ID:SECRET, or run against the local stack (demo-worker).");
        }
        var http = environment.CreateClient(environment.Gateway);
        // One token per client before the run, not measured: a client the platform refuses (its tenant frozen, a wrong
        // secret) is left out and named, rather than measured as failures of the token endpoint.
        var refusedAtSetUp = new List<string>();
        var usable = new List<(string Id, string Secret)>();
        foreach (var (id, secret) in clients)
        {
            var check = await HttpSteps.SendAsync(http, PlatformApi.TokenRequest(id, secret), cancellationToken);
            if (check.IsOk)
            {
                usable.Add((id, secret));
            }
            else
            {
                refusedAtSetUp.Add($"{id} ({check.StatusCode} {check.Reason})");
            }
        }
        if (usable.Count == 0)
        {
            throw new InvalidOperationException("The token endpoint refused every machine client: " + string.Join("; ", refusedAtSetUp));
        }
        clients = usable;
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
            new("machine clients used", string.Join(", ", clients.Select(c => c.Id))),
        };
        if (refusedAtSetUp.Count > 0)
        {
            summary.Add(new("left out: refused a token at set-up", string.Join("; ", refusedAtSetUp)));
        }
        return ScenarioCatalog.Report(environment, Name, started, [phase], summary, [],
            "People signing in with password and TOTP: `signin --variant mfa` (its own stack).");
    }
}
