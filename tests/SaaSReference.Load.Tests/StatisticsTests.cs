using SaaSReference.Load.Engine;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Tests;

public sealed class StatisticsTests
{
    [Fact]
    public void Percentiles_OfOneToTenThousandMicroseconds_MatchTheKnownValuesWithinHistogramPrecision()
    {
        var stats = new StepStats("step");
        for (var i = 1; i <= 10_000; i++)
        {
            stats.Record(i, StepResult.Ok(), i / 1000);
        }

        var s = stats.Summarize(TimeSpan.FromSeconds(10));

        Assert.Equal(10_000, s.Count);
        Assert.Equal(1000, s.Rps, 3);
        Assert.InRange(s.P50Ms, 5.000 * 0.999, 5.000 * 1.001);
        Assert.InRange(s.P75Ms, 7.500 * 0.999, 7.500 * 1.001);
        Assert.InRange(s.P95Ms, 9.500 * 0.999, 9.500 * 1.001);
        Assert.InRange(s.P99Ms, 9.900 * 0.999, 9.900 * 1.001);
        Assert.InRange(s.MaxMs, 10.000 * 0.999, 10.000 * 1.001);
        Assert.InRange(s.MeanMs, 5.0005 * 0.999, 5.0005 * 1.001);
        Assert.Equal(11, s.Timeline.Count);
    }

    [Fact]
    public void Errors_AreGroupedByStatusAndReason_AndKeptOutOfTheLatencies()
    {
        var stats = new StepStats("step");
        stats.Record(1_000, StepResult.Ok(), 0);
        stats.Record(1, StepResult.Fail(429, "Too many requests"), 0);
        stats.Record(1, StepResult.Fail(429, "Too many requests"), 1);
        stats.Record(1, StepResult.Fail(0, "timeout"), 1);

        var s = stats.Summarize(TimeSpan.FromSeconds(2));

        Assert.Equal(4, s.Count);
        Assert.Equal(3, s.Failed);
        Assert.Equal(0.75, s.ErrorRate, 6);
        Assert.Equal(1.0, s.P50Ms, 2);
        Assert.Equal(new ErrorGroup(429, "Too many requests", 2), s.Errors[0]);
        Assert.Contains(new ErrorGroup(0, "timeout", 1), s.Errors);
        Assert.Equal([1L, 2L], s.Timeline.Select(t => t.Failed));
    }

    [Fact]
    public void Threshold_Exceeded_FailsTheRunWithExitCodeOne()
    {
        var phase = Phase(p99Micros: 9_900);
        var report = Reports(phase).WithChecks(Threshold.Parse("p99<5").Evaluate([phase]));

        Assert.False(report.Passed);
        Assert.Equal(1, report.ExitCode);
        Assert.Equal(0, Reports(phase).WithChecks(Threshold.Parse("p99<50").Evaluate([phase])).ExitCode);
    }

    [Theory]
    [InlineData("error-rate<0.01", ThresholdKind.MaxErrorRate, 0.01, null, null)]
    [InlineData("p95<200", ThresholdKind.MaxP95Ms, 200, null, null)]
    [InlineData("rps>100", ThresholdKind.MinRps, 100, null, null)]
    [InlineData("quiet/read:p99<500", ThresholdKind.MaxP99Ms, 500, "quiet", "read")]
    public void Threshold_Parse_ReadsMeasureLimitAndScope(string text, ThresholdKind kind, double limit, string? scenario, string? step) =>
        Assert.Equal(new Threshold(kind, limit, scenario, step), Threshold.Parse(text));

    [Theory]
    [InlineData("p99>5")]
    [InlineData("latency<5")]
    [InlineData("rps>")]
    public void Threshold_Parse_RefusesNonsense(string text) => Assert.Throws<FormatException>(() => Threshold.Parse(text));

    [Fact]
    public void Thresholds_OnErrorRateAndRps_CompareTheStepFigures()
    {
        var phase = Phase(p99Micros: 1_000, failures: 5);
        Assert.All(Threshold.Parse("error-rate<0.01").Evaluate([phase]), r => Assert.False(r.Passed));
        Assert.All(Threshold.Parse("rps>10").Evaluate([phase]), r => Assert.True(r.Passed));
        Assert.Empty(Threshold.Parse("other:rps>10").Evaluate([phase]));
    }

    internal static PhaseResult Phase(long p99Micros, int failures = 0)
    {
        var stats = new StepStats("read");
        for (var i = 1; i <= 100; i++)
        {
            stats.Record(i * p99Micros / 99, StepResult.Ok(), i / 50);
        }
        for (var i = 0; i < failures; i++)
        {
            stats.Record(1, StepResult.Fail(503, "Service Unavailable"), 0);
        }
        return new PhaseResult("phase", [new ScenarioResult("quiet", "inject 50 per 1s during 2s", TimeSpan.FromSeconds(2), 100,
            [stats.Summarize(TimeSpan.FromSeconds(2))])]);
    }

    internal static Reports.RunReport Reports(PhaseResult phase) => new("unit", DateTimeOffset.UnixEpoch, "load unit", "test machine",
        "http://127.0.0.1:1/", [phase], [new("p99 ratio", "1.23")], [], ["a note"]);
}
