namespace SaaSReference.Load.Progress;

/// <summary>Where a running phase reports itself: a live table on a terminal, plain lines otherwise.</summary>
public interface IProgressSink
{
    void Message(string text);

    void Start(string phase, TimeSpan planned);

    void Update(ProgressSnapshot snapshot);

    void Stop();
}

/// <summary>The state of a phase after <see cref="Elapsed"/>.</summary>
public sealed record ProgressSnapshot(TimeSpan Elapsed, IReadOnlyList<ProgressRow> Rows);

/// <summary>One step: requests so far, and requests and failures in the last complete second.</summary>
public sealed record ProgressRow(string Scenario, string Step, long Requests, long LastSecond, long LastSecondFailed, long InFlight);
