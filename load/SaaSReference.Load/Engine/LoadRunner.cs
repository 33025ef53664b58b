using System.Diagnostics;
using SaaSReference.Load.Progress;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Engine;

/// <summary>
/// Runs scenarios together as one phase: warm-up first (discarded), then the measured run, with live progress
/// once a second. Bounded: every scenario stops at the end of its simulations, and the whole phase is cancelled
/// at the longest scenario's duration plus <see cref="DrainTime"/>, whatever the steps do.
/// </summary>
public sealed class LoadRunner(IProgressSink progress)
{
    /// <summary>How long iterations started in time may still run after the simulations end.</summary>
    public TimeSpan DrainTime { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<PhaseResult> RunAsync(string phase, IReadOnlyList<Scenario> scenarios, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var warmUps = scenarios.Where(s => s.WarmUp > TimeSpan.Zero).ToList();
        if (warmUps.Count > 0)
        {
            progress.Message($"{phase}: warming up for {warmUps.Max(s => s.WarmUp).TotalSeconds:0.#}s (not measured)");
            await RunBoundedAsync(warmUps.Select(s => s with { Simulations = [s.Simulations[0].WithDuring(s.WarmUp)] }).ToList(), null, cancellationToken);
        }
        var executions = await RunBoundedAsync(scenarios, phase, cancellationToken);
        return new PhaseResult(phase, executions.Select(e => new ScenarioResult(e.Scenario.Name,
            string.Join(", ", e.Scenario.Simulations.Select(s => s.Describe())), e.Elapsed, e.Iterations,
            e.Scenario.Steps.Select(step => e.Stats[step.Name].Summarize(e.Elapsed)).ToList())).ToList());
    }

    private async Task<List<ScenarioExecution>> RunBoundedAsync(IReadOnlyList<Scenario> scenarios, string? phase, CancellationToken cancellationToken)
    {
        var longest = scenarios.Max(s => s.Duration);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(longest + DrainTime + DrainTime);
        var origin = Stopwatch.GetTimestamp();
        var executions = scenarios.Select(s => new ScenarioExecution(s, origin, deadline.Token)).ToList();
        var running = Task.WhenAll(executions.Select(e => Task.Run(() => e.RunAsync(e.Scenario.Simulations, DrainTime), CancellationToken.None)));
        if (phase is not null)
        {
            progress.Start(phase, longest);
        }
        try
        {
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
                if (phase is not null)
                {
                    progress.Update(Snapshot(executions, Stopwatch.GetElapsedTime(origin)));
                }
            }
            await running;
        }
        finally
        {
            if (phase is not null)
            {
                progress.Stop();
            }
        }
        return executions;
    }

    private static ProgressSnapshot Snapshot(List<ScenarioExecution> executions, TimeSpan elapsed)
    {
        var lastSecond = Math.Max(0, (int)elapsed.TotalSeconds - 1);
        return new ProgressSnapshot(elapsed, executions.SelectMany(e => e.Scenario.Steps.Select(step =>
        {
            var stats = e.Stats[step.Name];
            var summary = stats.Count;
            var (ok, failed) = stats.InSecond(lastSecond);
            return new ProgressRow(e.Scenario.Name, step.Name, summary, ok + failed, failed, e.InFlight);
        })).ToList());
    }
}
