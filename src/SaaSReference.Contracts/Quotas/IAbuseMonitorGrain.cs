namespace SaaSReference.Contracts.Quotas;

/// <summary>
/// The one place (a single activation in the cluster, key 0) that applies the abuse policy (12.1.3c): about once a
/// second it hands each closed window of gateway refusals to the tenant's grain, which throttles and then freezes
/// a tenant that keeps exceeding its limits.
/// </summary>
public interface IAbuseMonitorGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the monitor (each silo calls it at start; it keeps itself alive).</summary>
    Task StartAsync();

    /// <summary>Judges every window closed by now; returns how many windows were judged.</summary>
    Task<int> JudgeClosedWindowsAsync();
}
