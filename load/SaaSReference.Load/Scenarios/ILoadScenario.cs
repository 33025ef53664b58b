using SaaSReference.Load.Cli;
using SaaSReference.Load.Reports;

namespace SaaSReference.Load.Scenarios;

/// <summary>A shipped scenario: sets up what it needs, runs one or more phases and says what they show.</summary>
public interface ILoadScenario
{
    string Name { get; }

    string Description { get; }

    Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken);
}

public static class ScenarioCatalog
{
    public static IReadOnlyList<ILoadScenario> All { get; } =
    [
        new BaselineScenario(), new IsolationScenario(), new TenantsScenario(), new SigninScenario(), new FailoverScenario(), new TenantStorageScenario(), new AuditOverheadScenario(), new HttpScenario(),
    ];

    /// <summary>Named in the issue but not implemented yet (load/README.md says what is missing).</summary>
    public static IReadOnlyList<string> NotYetImplemented { get; } = [];

    internal static RunReport Report(ScenarioEnvironment environment, string scenario, DateTimeOffset started,
        IReadOnlyList<Stats.PhaseResult> phases, IReadOnlyList<SummaryLine> summary, IReadOnlyList<Stats.ThresholdResult> checks,
        params string[] notes) =>
        new(scenario, started, "dotnet run --project load/SaaSReference.Load -- " + environment.Options.CommandLine,
            ScenarioEnvironment.Machine(), environment.Gateway.ToString(), phases, summary, checks, notes);
}
