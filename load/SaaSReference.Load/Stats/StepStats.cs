using HdrHistogram;
using SaaSReference.Load.Engine;

namespace SaaSReference.Load.Stats;

/// <summary>
/// Everything measured for one step: latencies of successful invocations in an HdrHistogram (microseconds, 3
/// significant digits), failures grouped by status and reason, and one histogram per second of the run for the
/// latency-over-time charts. Recording takes a lock: HdrHistogram's histograms are not thread-safe.
/// </summary>
public sealed class StepStats(string name)
{
    /// <summary>An hour, in microseconds: anything slower is recorded as an hour.</summary>
    public const long HighestMicroseconds = 3_600_000_000;

    private readonly Lock _gate = new();
    private readonly LongHistogram _ok = NewHistogram();
    private readonly Dictionary<(int Status, string Reason), long> _errors = [];
    private readonly SortedDictionary<int, SecondBucket> _seconds = [];
    private long _failed;

    public string Name { get; } = name;

    public static LongHistogram NewHistogram() => new(1, HighestMicroseconds, 3);

    public void Record(long latencyMicroseconds, StepResult result, int second)
    {
        var value = Math.Clamp(latencyMicroseconds, 1, HighestMicroseconds);
        lock (_gate)
        {
            if (!_seconds.TryGetValue(second, out var bucket))
            {
                bucket = new SecondBucket();
                _seconds[second] = bucket;
            }
            if (result.IsOk)
            {
                _ok.RecordValue(value);
                bucket.Latency.RecordValue(value);
            }
            else
            {
                _failed++;
                bucket.Failed++;
                var key = (result.StatusCode, result.Reason ?? "");
                _errors[key] = _errors.GetValueOrDefault(key) + 1;
            }
        }
    }

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _ok.TotalCount + _failed;
            }
        }
    }

    /// <summary>Requests and failures in one second of the run (for live progress).</summary>
    public (long Ok, long Failed) InSecond(int second)
    {
        lock (_gate)
        {
            return _seconds.TryGetValue(second, out var b) ? (b.Latency.TotalCount, b.Failed) : (0, 0);
        }
    }

    public StepSummary Summarize(TimeSpan duration)
    {
        lock (_gate)
        {
            var timeline = _seconds.Select(s => new TimelinePoint(s.Key, s.Value.Latency.TotalCount, s.Value.Failed,
                Ms(s.Value.Latency, 50), Ms(s.Value.Latency, 99), s.Value.Latency.TotalCount == 0 ? 0 : s.Value.Latency.GetMaxValue() / 1000.0)).ToList();
            var errors = _errors.OrderByDescending(e => e.Value)
                .Select(e => new ErrorGroup(e.Key.Status, e.Key.Reason, e.Value)).ToList();
            return StepSummary.From(Name, _ok, _failed, duration, errors, timeline);
        }
    }

    internal static double Ms(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;

    private sealed class SecondBucket
    {
        public LongHistogram Latency { get; } = NewHistogram();

        public long Failed { get; set; }
    }
}
