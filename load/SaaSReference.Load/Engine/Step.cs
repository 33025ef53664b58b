namespace SaaSReference.Load.Engine;

/// <summary>One named, measured action of a scenario; its latency goes into its own histogram.</summary>
public sealed record Step(string Name, Func<StepContext, Task<StepResult>> Run);

/// <summary>What a step invocation knows: which iteration it belongs to, and data earlier steps left for it.</summary>
public sealed class StepContext(string scenario, long iteration, CancellationToken cancellationToken)
{
    public string Scenario { get; } = scenario;

    /// <summary>0-based number of the iteration within its scenario (warm-up iterations counted apart).</summary>
    public long Iteration { get; } = iteration;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>What the scenario's <see cref="Scenario.Admission"/> gave this iteration (null without one).</summary>
    public object? Admitted { get; init; }

    /// <summary>Values passed from one step to the next within an iteration.</summary>
    public Dictionary<string, object?> Items { get; } = [];
}
