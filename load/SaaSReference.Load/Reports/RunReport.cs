using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Reports;

/// <summary>Everything one command produced: its phases, the scenario's comparisons, and the checked limits.</summary>
public sealed record RunReport(
    string Scenario, DateTimeOffset StartedAt, string Command, string Machine, string Target,
    IReadOnlyList<PhaseResult> Phases, IReadOnlyList<SummaryLine> Summary, IReadOnlyList<ThresholdResult> Checks,
    IReadOnlyList<string> Notes)
{
    public bool Passed => Checks.All(c => c.Passed);

    public int ExitCode => Passed ? 0 : 1;

    public RunReport WithChecks(IEnumerable<ThresholdResult> more) => this with { Checks = [.. Checks, .. more] };
}

/// <summary>One line of a scenario's result, e.g. "p99 ratio gateway / silo" = "1.42".</summary>
public sealed record SummaryLine(string Label, string Value);
