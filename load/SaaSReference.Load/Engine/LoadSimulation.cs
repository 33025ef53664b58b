using System.Globalization;

namespace SaaSReference.Load.Engine;

/// <summary>
/// How load is applied for a while. Open model (<see cref="Inject"/>, <see cref="RampingInject"/>): iterations start
/// on a schedule whatever the system's answers, and latency counts from the scheduled start, so a slow system
/// cannot hide its own backlog (no coordinated omission). Closed model (<see cref="KeepConstant"/>,
/// <see cref="RampingConstant"/>): a fixed number of copies each run one iteration after another.
/// </summary>
public abstract record LoadSimulation(TimeSpan During)
{
    public abstract LoadSimulation WithDuring(TimeSpan during);

    public abstract string Describe();

    protected static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}

/// <summary>Start <see cref="Rate"/> iterations every <see cref="Interval"/>, spread evenly over the interval.</summary>
public sealed record Inject(int Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During)
{
    public double PerSecond => Rate / Interval.TotalSeconds;

    public override LoadSimulation WithDuring(TimeSpan during) => this with { During = during };

    public override string Describe() => $"inject {Rate} per {Seconds(Interval)} during {Seconds(During)}";
}

/// <summary>Change the injection rate linearly from the previous simulation's rate (0 if none) to <see cref="Rate"/>.</summary>
public sealed record RampingInject(int Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During)
{
    public double PerSecond => Rate / Interval.TotalSeconds;

    public override LoadSimulation WithDuring(TimeSpan during) => this with { During = during };

    public override string Describe() => $"ramping inject to {Rate} per {Seconds(Interval)} during {Seconds(During)}";
}

/// <summary>Keep <see cref="Copies"/> iterations running at all times.</summary>
public sealed record KeepConstant(int Copies, TimeSpan During) : LoadSimulation(During)
{
    public override LoadSimulation WithDuring(TimeSpan during) => this with { During = during };

    public override string Describe() => $"keep {Copies} copies during {Seconds(During)}";
}

/// <summary>Change the number of copies linearly from the previous simulation's (0 if none) to <see cref="Copies"/>.</summary>
public sealed record RampingConstant(int Copies, TimeSpan During) : LoadSimulation(During)
{
    public override LoadSimulation WithDuring(TimeSpan during) => this with { During = during };

    public override string Describe() => $"ramping to {Copies} copies during {Seconds(During)}";
}

/// <summary>Start nothing for a while.</summary>
public sealed record Pause(TimeSpan During) : LoadSimulation(During)
{
    public override LoadSimulation WithDuring(TimeSpan during) => this with { During = during };

    public override string Describe() => $"pause {Seconds(During)}";
}
