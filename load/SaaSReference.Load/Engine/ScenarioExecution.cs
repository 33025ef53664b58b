using System.Diagnostics;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Engine;

/// <summary>Drives one scenario through its simulations and records every step invocation.</summary>
internal sealed class ScenarioExecution(Scenario scenario, long origin, CancellationToken cancellationToken)
{
    private readonly Dictionary<string, StepStats> _stats = scenario.Steps.ToDictionary(s => s.Name, s => new StepStats(s.Name));
    private long _started;
    private long _inFlight;

    // Set when MaxIterations is reached: nothing new starts, but what is running finishes (it is not cancelled).
    private volatile bool _exhausted;

    public Scenario Scenario { get; } = scenario;

    public IReadOnlyDictionary<string, StepStats> Stats => _stats;

    public long Iterations => Math.Min(Interlocked.Read(ref _started), Scenario.MaxIterations ?? long.MaxValue);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public TimeSpan Elapsed { get; private set; }

    public async Task RunAsync(IReadOnlyList<LoadSimulation> simulations, TimeSpan drain)
    {
        if (Scenario.Admission is not null && simulations.Any(s => s is Inject or RampingInject))
        {
            throw new InvalidOperationException($"Scenario {Scenario.Name}: an admission applies to the closed model only.");
        }
        var token = cancellationToken;
        double rate = 0;
        var copies = 0;
        var offset = TimeSpan.Zero;
        foreach (var simulation in simulations)
        {
            if (token.IsCancellationRequested || _exhausted)
            {
                break;
            }
            var segmentStart = origin + (long)(offset.TotalSeconds * Stopwatch.Frequency);
            switch (simulation)
            {
                case Inject inject:
                    await OpenAsync(segmentStart, inject.PerSecond, inject.PerSecond, inject.During, token);
                    rate = inject.PerSecond;
                    break;
                case RampingInject ramp:
                    await OpenAsync(segmentStart, rate, ramp.PerSecond, ramp.During, token);
                    rate = ramp.PerSecond;
                    break;
                case KeepConstant keep:
                    await ClosedAsync(segmentStart, keep.Copies, keep.Copies, keep.During, token);
                    copies = keep.Copies;
                    break;
                case RampingConstant ramp:
                    await ClosedAsync(segmentStart, copies, ramp.Copies, ramp.During, token);
                    copies = ramp.Copies;
                    break;
                default:
                    await WaitUntilAsync(segmentStart + Ticks(simulation.During), token);
                    break;
            }
            offset += simulation.During;
        }
        // Open-model iterations still running finish (bounded by the drain time), so late answers still count.
        var drainEnd = Stopwatch.GetTimestamp() + Ticks(drain);
        while (Interlocked.Read(ref _inFlight) > 0 && Stopwatch.GetTimestamp() < drainEnd)
        {
            await Task.Delay(5, CancellationToken.None);
        }
        Elapsed = Stopwatch.GetElapsedTime(origin);
    }

    private async Task OpenAsync(long segmentStart, double from, double to, TimeSpan during, CancellationToken token)
    {
        var seconds = during.TotalSeconds;
        for (long k = 0; !token.IsCancellationRequested; k++)
        {
            if (OpenSchedule.DueAt(from, to, seconds, k) is not { } due)
            {
                await WaitUntilAsync(segmentStart + Ticks(during), token);
                return;
            }
            var dueAt = segmentStart + (long)(due * Stopwatch.Frequency);
            if (!await WaitUntilAsync(dueAt, token) || TryStart() is not { } number)
            {
                return;
            }
            if (Interlocked.Read(ref _inFlight) >= Scenario.MaxInFlight)
            {
                Record(Scenario.Steps[0], dueAt, StepResult.Fail(-1, "in-flight limit reached: not sent"));
                continue;
            }
            Interlocked.Increment(ref _inFlight);
            var iteration = number;
            // Measured from when it was due, not from when it could start: a late start is the system's latency too.
            _ = Task.Run(async () =>
            {
                try
                {
                    await IterationAsync(dueAt, iteration, token);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }, CancellationToken.None);
        }
    }

    private async Task ClosedAsync(long segmentStart, int from, int to, TimeSpan during, CancellationToken token)
    {
        var end = segmentStart + Ticks(during);
        var workers = Enumerable.Range(0, Math.Max(from, to)).Select(index => Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= end)
                {
                    return;
                }
                if (index >= CopiesAt(from, to, (double)(now - segmentStart) / (end - segmentStart)))
                {
                    await Task.Delay(10, CancellationToken.None);
                    continue;
                }
                object? admitted = null;
                if (Scenario.Admission is { } admission)
                {
                    try
                    {
                        admitted = await admission(TimeSpan.FromSeconds((double)(end - now) / Stopwatch.Frequency), token);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
                    if (admitted is null)
                    {
                        // Nothing this iteration needs can be had before the segment ends: this copy is done.
                        return;
                    }
                    // The wait for admission is not the system's latency: the clock starts now.
                    now = Stopwatch.GetTimestamp();
                }
                if (TryStart() is not { } number)
                {
                    (admitted as IDisposable)?.Dispose();
                    return;
                }
                Interlocked.Increment(ref _inFlight);
                try
                {
                    await IterationAsync(now, number, token, admitted);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                    (admitted as IDisposable)?.Dispose();
                }
            }
        }, CancellationToken.None));
        await Task.WhenAll(workers);
    }

    /// <summary>How many copies run at <paramref name="progress"/> (0 to 1) of a closed-model segment: linear from/to.</summary>
    public static int CopiesAt(int from, int to, double progress) =>
        (int)Math.Round(from + ((to - from) * Math.Clamp(progress, 0, 1)), MidpointRounding.AwayFromZero);

    /// <summary>The iteration's number, unique within the scenario; null once the iteration limit is reached.</summary>
    private long? TryStart()
    {
        var number = Interlocked.Increment(ref _started);
        if (number > (Scenario.MaxIterations ?? long.MaxValue))
        {
            _exhausted = true;
            return null;
        }
        return number - 1;
    }

    private async Task IterationAsync(long start, long iteration, CancellationToken token, object? admitted = null)
    {
        var context = new StepContext(Scenario.Name, iteration, token) { Admitted = admitted };
        foreach (var step in Scenario.Steps)
        {
            StepResult result;
            try
            {
                result = await step.Run(context);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                result = StepResult.Fail(0, "cancelled: the run's time was up");
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                result = StepResult.Fail(0, Describe(exception));
            }
            Record(step, start, result);
            if (!result.IsOk)
            {
                return;
            }
            start = Stopwatch.GetTimestamp();
        }
    }

    private void Record(Step step, long start, StepResult result)
    {
        var now = Stopwatch.GetTimestamp();
        var micros = (long)((now - start) * 1_000_000.0 / Stopwatch.Frequency);
        var second = (int)Math.Max(0, (start - origin) / Stopwatch.Frequency);
        _stats[step.Name].Record(micros, result, second);
    }

    internal static string Describe(Exception exception) => exception switch
    {
        TaskCanceledException { InnerException: TimeoutException } => "timeout",
        HttpRequestException { HttpRequestError: var error } => "transport: " + error,
        TargetRefusedException refused => "refused: " + refused.Message,
        _ => exception.GetType().Name,
    };

    private static async Task<bool> WaitUntilAsync(long timestamp, CancellationToken token)
    {
        var wait = TimeSpan.FromSeconds((double)(timestamp - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
        if (wait <= TimeSpan.FromMilliseconds(1))
        {
            return !token.IsCancellationRequested;
        }
        try
        {
            await Task.Delay(wait, token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
