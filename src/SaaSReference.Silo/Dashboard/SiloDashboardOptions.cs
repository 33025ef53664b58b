namespace SaaSReference.Silo.Dashboard;

/// <summary>
/// The Orleans dashboard on the silo's HTTP API (<c>Dashboard:*</c>, docs/dashboard.md). Off unless configured: the
/// silo's appsettings.json switches it on; a deployment (or a test) that does not want its cost sets
/// <c>Dashboard:Enabled</c> = false, and then neither the dashboard's services, its grain call profiler nor its
/// endpoints exist.
/// </summary>
public sealed class SiloDashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>The package's lower bound: it samples no more often than once a second.</summary>
    public static readonly TimeSpan MinimumCounterUpdateInterval = TimeSpan.FromSeconds(1);

    public bool Enabled { get; set; }

    /// <summary>
    /// How often each silo samples its runtime statistics and the cluster's counters are recomputed (the package's
    /// default is 1 s). The page polls every second; between samples it is answered from memory.
    /// </summary>
    public TimeSpan CounterUpdateInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many samples the charts keep (memory per silo and in the dashboard grain grows with it).</summary>
    public int HistoryLength { get; set; } = 100;

    /// <summary>
    /// The grain call profiler (the per-method counters) runs only while someone looks: it is switched off this long
    /// after the last query of the dashboard's data (checked once a minute).
    /// </summary>
    public TimeSpan ProfilingIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The first problem with the settings, or null.</summary>
    public string? Problem() =>
        CounterUpdateInterval < MinimumCounterUpdateInterval || CounterUpdateInterval > TimeSpan.FromHours(1)
            ? $"{Section}:CounterUpdateInterval must be between 00:00:01 and 01:00:00."
        : HistoryLength is < 1 or > 10_000 ? $"{Section}:HistoryLength must be between 1 and 10000."
        : ProfilingIdleTimeout <= TimeSpan.Zero ? $"{Section}:ProfilingIdleTimeout must be positive."
        : null;
}
