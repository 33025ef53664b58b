using HdrHistogram;

namespace SaaSReference.Load.Stats;

/// <summary>A step's figures at the end of a run; latencies in milliseconds, of successful invocations only.</summary>
public sealed record StepSummary(
    string Step, long Count, long Ok, long Failed, double ErrorRate, double Rps, double OkRps,
    double MeanMs, double P50Ms, double P75Ms, double P95Ms, double P99Ms, double MaxMs,
    IReadOnlyList<ErrorGroup> Errors, IReadOnlyList<TimelinePoint> Timeline)
{
    public static StepSummary From(string step, LongHistogram ok, long failed, TimeSpan duration,
        IReadOnlyList<ErrorGroup> errors, IReadOnlyList<TimelinePoint> timeline)
    {
        ArgumentNullException.ThrowIfNull(ok);
        var count = ok.TotalCount + failed;
        var seconds = Math.Max(duration.TotalSeconds, 1e-3);
        var empty = ok.TotalCount == 0;
        return new(step, count, ok.TotalCount, failed, count == 0 ? 0 : (double)failed / count, count / seconds, ok.TotalCount / seconds,
            empty ? 0 : ok.GetMean() / 1000.0, StepStats.Ms(ok, 50), StepStats.Ms(ok, 75), StepStats.Ms(ok, 95), StepStats.Ms(ok, 99),
            empty ? 0 : ok.GetMaxValue() / 1000.0, errors, timeline);
    }
}

/// <summary>Failures with the same status and reason (status 0: no response; -1: not sent by the runner).</summary>
public sealed record ErrorGroup(int Status, string Reason, long Count);

/// <summary>One second of a step: successes, failures and the latency of the successes.</summary>
public sealed record TimelinePoint(int Second, long Ok, long Failed, double P50Ms, double P99Ms, double MaxMs);

/// <summary>One scenario of a phase.</summary>
public sealed record ScenarioResult(string Scenario, string Simulations, TimeSpan Duration, long Iterations, IReadOnlyList<StepSummary> Steps);

/// <summary>Scenarios run together; a report has one or more phases (e.g. "quiet only", then "quiet + noisy").</summary>
public sealed record PhaseResult(string Phase, IReadOnlyList<ScenarioResult> Scenarios)
{
    public ScenarioResult this[string scenario] => Scenarios.First(s => s.Scenario == scenario);
}
