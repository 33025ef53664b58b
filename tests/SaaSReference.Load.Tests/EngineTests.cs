using System.Diagnostics;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Progress;

namespace SaaSReference.Load.Tests;

public sealed class EngineTests
{
    private static readonly LoadRunner Runner = new(new PlainProgress(TextWriter.Null, TimeSpan.FromSeconds(5))) { DrainTime = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData(100, 100, 2, 200)]
    [InlineData(0, 100, 2, 100)]
    [InlineData(100, 0, 2, 100)]
    [InlineData(30, 30, 0.5, 15)]
    public void OpenSchedule_InjectsTheIntegralOfTheRate(double from, double to, double seconds, long expected) =>
        Assert.InRange(OpenSchedule.ExpectedCount(from, to, seconds), expected - 1, expected + 1);

    [Fact]
    public void OpenSchedule_SpreadsAConstantRateEvenly()
    {
        Assert.Equal(0, OpenSchedule.DueAt(10, 10, 1, 0));
        Assert.Equal(0.5, OpenSchedule.DueAt(10, 10, 1, 5)!.Value, 9);
        Assert.Null(OpenSchedule.DueAt(10, 10, 1, 10));
    }

    [Fact]
    public async Task OpenModel_Inject_StartsTheScheduledNumberOfIterations_AndRampingContinuesFromTheLastRate()
    {
        var scenario = new Scenario("open", [new Step("noop", _ => Task.FromResult(StepResult.Ok()))],
            [new Inject(50, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), new RampingInject(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))]);

        var phase = await Runner.RunAsync("open", [scenario], CancellationToken.None);

        Assert.Equal(50 + 25, phase["open"].Steps[0].Count);
        Assert.Equal(50 + 25, phase["open"].Iterations);
    }

    [Fact]
    public async Task OpenModel_MeasuresFromTheScheduledStart_SoABacklogShowsInTheLatency()
    {
        // One request at a time is served, 50 ms each (20/s), while 40/s are injected: the queue grows, and the
        // latency of the last requests includes their wait.
        using var server = new SemaphoreSlim(1);
        var scenario = new Scenario("backlog", [new Step("slow", async c =>
        {
            await server.WaitAsync(c.CancellationToken);
            try
            {
                await Task.Delay(50, c.CancellationToken);
            }
            finally
            {
                server.Release();
            }
            return StepResult.Ok();
        })], [new Inject(40, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))]);

        var step = (await Runner.RunAsync("backlog", [scenario], CancellationToken.None))["backlog"].Steps[0];

        Assert.Equal(40, step.Ok);
        Assert.True(step.MaxMs > 500, $"max {step.MaxMs} ms");
        Assert.True(step.P50Ms > 100, $"p50 {step.P50Ms} ms");
    }

    [Fact]
    public async Task ClosedModel_KeepConstant_KeepsExactlyNIterationsInFlight()
    {
        var inFlight = 0;
        var peak = 0;
        var samples = new List<int>();
        var scenario = new Scenario("closed", [new Step("wait", async c =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            lock (samples)
            {
                samples.Add(now);
            }
            await Task.Delay(20, c.CancellationToken);
            Interlocked.Decrement(ref inFlight);
            return StepResult.Ok();
        })], [new KeepConstant(5, TimeSpan.FromSeconds(1))]);

        var phase = await Runner.RunAsync("closed", [scenario], CancellationToken.None);

        Assert.Equal(5, peak);
        Assert.InRange(phase["closed"].Steps[0].Count, 100, 260);
        Assert.True(samples.Count(s => s >= 4) > samples.Count / 2);
    }

    [Theory]
    [InlineData(0, 4, 0.0, 0)]
    [InlineData(0, 4, 0.5, 2)]
    [InlineData(0, 4, 1.0, 4)]
    [InlineData(4, 0, 0.25, 3)]
    [InlineData(2, 6, 2.0, 6)]
    public void ClosedModel_RampingConstant_ChangesCopiesLinearly(int from, int to, double progress, int expected) =>
        Assert.Equal(expected, ScenarioExecution.CopiesAt(from, to, progress));

    [Fact]
    public async Task ClosedModel_RampingThenConstant_NeverExceedsItsTarget()
    {
        var inFlight = 0;
        var peak = 0;
        var scenario = new Scenario("ramp", [new Step("wait", async c =>
        {
            InterlockedMax(ref peak, Interlocked.Increment(ref inFlight));
            await Task.Delay(10, c.CancellationToken);
            Interlocked.Decrement(ref inFlight);
            return StepResult.Ok();
        })], [new RampingConstant(3, TimeSpan.FromSeconds(0.5)), new KeepConstant(3, TimeSpan.FromSeconds(0.7)), new Pause(TimeSpan.FromSeconds(0.2))]);

        var phase = await Runner.RunAsync("ramp", [scenario], CancellationToken.None);

        Assert.Equal(3, peak);
        Assert.True(phase["ramp"].Steps[0].Count > 10);
    }

    [Fact]
    public async Task MaxIterations_StopsTheRunEarly()
    {
        var scenario = new Scenario("bounded", [new Step("noop", _ => Task.FromResult(StepResult.Ok()))],
            [new KeepConstant(4, TimeSpan.FromSeconds(20))]) { MaxIterations = 10 };
        var watch = Stopwatch.StartNew();

        var phase = await Runner.RunAsync("bounded", [scenario], CancellationToken.None);

        Assert.Equal(10, phase["bounded"].Steps[0].Count);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task FailedStep_EndsTheIteration_AndWarmUpIsNotMeasured()
    {
        var second = 0;
        var scenario = new Scenario("steps", [
            new Step("first", c => Task.FromResult(c.Iteration % 2 == 0 ? StepResult.Ok() : StepResult.Fail(500, "boom"))),
            new Step("second", _ => { Interlocked.Increment(ref second); return Task.FromResult(StepResult.Ok()); }),
        ], [new Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))]) { WarmUp = TimeSpan.FromSeconds(0.5) };

        var phase = await Runner.RunAsync("steps", [scenario], CancellationToken.None);

        var first = phase["steps"].Steps[0];
        Assert.Equal(20, first.Count);
        Assert.Equal(10, first.Failed);
        Assert.Equal(10, phase["steps"].Steps[1].Count);
        Assert.Equal(15, second);
    }

    [Fact]
    public async Task Exceptions_AreCountedAsErrorsByType()
    {
        var scenario = Scenario.Create("throws", new Inject(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.5)),
            new Step("throw", _ => throw new InvalidOperationException("no")));

        var step = (await Runner.RunAsync("throws", [scenario], CancellationToken.None))["throws"].Steps[0];

        Assert.Equal(new Stats.ErrorGroup(0, nameof(InvalidOperationException), 5), Assert.Single(step.Errors));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
