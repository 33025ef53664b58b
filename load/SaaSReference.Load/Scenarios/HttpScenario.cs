using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `http`: GET one URL (--url) with the closed model (--copies, like wrk's connections) or, with --rate, the open
/// model. What crosscheck.sh compares with wrk.
/// </summary>
public sealed class HttpScenario : ILoadScenario
{
    public string Name => "http";

    public string Description => "GET --url with --copies (closed model) or --rate (open model)";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var url = options.Url ?? throw new InvalidOperationException("The http scenario needs --url.");
        var client = environment.CreateClient(new Uri(url.GetLeftPart(UriPartial.Authority)));
        var path = url.PathAndQuery;
        var duration = options.DurationOr(TimeSpan.FromSeconds(10));
        LoadSimulation simulation = options.Rate is { } rate
            ? new Inject(rate, TimeSpan.FromSeconds(1), duration)
            : new KeepConstant(options.Copies ?? 16, duration);
        var started = DateTimeOffset.UtcNow;
        var scenario = new Scenario("http", [new Step("get", c => HttpSteps.SendAsync(client, HttpSteps.Get(path), c.CancellationToken))], [simulation])
        {
            WarmUp = options.WarmUp ?? TimeSpan.Zero,
            MaxIterations = options.MaxRequests,
        };
        var phase = await environment.Runner.RunAsync(simulation.Describe(), [scenario], cancellationToken);
        return ScenarioCatalog.Report(environment, Name, started, [phase], [], []);
    }
}
