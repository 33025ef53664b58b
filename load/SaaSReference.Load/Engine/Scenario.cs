namespace SaaSReference.Load.Engine;

/// <summary>
/// Scenario as code: its steps run in order for every iteration (a failed step ends the iteration), driven by
/// its load simulations one after another. Always bounded: by the simulations' total duration and, when set,
/// by <see cref="MaxIterations"/>.
/// </summary>
public sealed record Scenario(string Name, IReadOnlyList<Step> Steps, IReadOnlyList<LoadSimulation> Simulations)
{
    /// <summary>Run first with the first simulation's shape; what it measures is thrown away.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;

    /// <summary>Stop starting iterations after this many (null: only the duration bounds the run).</summary>
    public long? MaxIterations { get; init; }

    /// <summary>Open model only: iterations due while this many are still running are failed without being sent.</summary>
    public int MaxInFlight { get; init; } = 5_000;

    /// <summary>
    /// Closed model only: runs before each iteration's clock starts and waits, unmeasured, for what the iteration needs
    /// (signin's MFA variant: a user free to sign in in the current TOTP step). It gets the time left in the segment and
    /// returns what the iteration is given (<see cref="StepContext.Admitted"/>; disposed after the iteration when it is
    /// <see cref="IDisposable"/>), or null when nothing can be admitted in that time: that copy then stops.
    /// </summary>
    public Func<TimeSpan, CancellationToken, Task<object?>>? Admission { get; init; }

    public TimeSpan Duration => Simulations.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.During);

    public static Scenario Create(string name, LoadSimulation simulation, params Step[] steps) => new(name, steps, [simulation]);
}
