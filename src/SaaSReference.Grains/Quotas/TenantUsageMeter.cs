using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SaaSReference.Grains.Quotas;

/// <summary>
/// This silo's counts of each tenant's work: requests admitted and refused since the last report, operations
/// running now (the per-tenant bulkhead), and the last verdict of the tenant grain on the day's budget.
/// <see cref="TenantUsageReporter"/> sends the counts to the tenant grains about once a second, so the daily
/// budget can be overshot by at most one second of a tenant's rate per silo (12.1.3a; docs/quotas.md).
/// </summary>
public sealed class TenantUsageMeter : IDisposable
{
    public const string MeterName = "SaaSReference.Quotas";

    private readonly ConcurrentDictionary<string, TenantCounters> _tenants = new(StringComparer.Ordinal);
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Counter<long> _rejections;

    public TenantUsageMeter()
    {
        _requests = _meter.CreateCounter<long>("saasref.tenant.requests", description: "Requests admitted for a tenant at this silo.");
        _rejections = _meter.CreateCounter<long>("saasref.tenant.rejections", description: "Requests or calls refused for a tenant's limits or status, by reason.");
        _meter.CreateObservableGauge("saasref.tenant.operations", () =>
            _tenants.Select(t => new Measurement<int>(t.Value.Running, new KeyValuePair<string, object?>("tenant", t.Key))),
            description: "The tenant's operations running now on this silo.");
        _meter.CreateObservableGauge("saasref.tenant.activations", () =>
            _tenants.Where(t => t.Value.Activations > 0).Select(t => new Measurement<int>(t.Value.Activations, new KeyValuePair<string, object?>("tenant", t.Key))),
            description: "The tenant's grains active on this silo.");
        _meter.CreateObservableGauge("saasref.tenant.stored_bytes", () =>
            _tenants.Where(t => t.Value.StoredBytes >= 0).Select(t => new Measurement<long>(t.Value.StoredBytes, new KeyValuePair<string, object?>("tenant", t.Key))),
            unit: "By", description: "The tenant's stored bytes as last counted.");
    }

    /// <summary>Counts an admitted request.</summary>
    public void Admitted(string tenantId)
    {
        Interlocked.Increment(ref Counters(tenantId).Requests);
        _requests.Add(1, new KeyValuePair<string, object?>("tenant", tenantId));
    }

    /// <summary>Counts a refusal and why.</summary>
    public void Rejected(string tenantId, string reason)
    {
        Interlocked.Increment(ref Counters(tenantId).Rejected);
        _rejections.Add(1, new KeyValuePair<string, object?>("tenant", tenantId), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Whether the tenant grain said, at its last report, that the day's budget is spent.</summary>
    public bool DailyBudgetExhausted(string tenantId) => _tenants.TryGetValue(tenantId, out var counters) && counters.Exhausted;

    /// <summary>
    /// Takes one of the tenant's <paramref name="limit"/> operation slots on this silo, or returns null when all
    /// are taken: one tenant's burst cannot occupy every thread and queue of the silo (bulkhead).
    /// </summary>
    public IDisposable? TryEnter(string tenantId, int limit)
    {
        var counters = Counters(tenantId);
        while (true)
        {
            var running = Volatile.Read(ref counters.Running);
            if (running >= limit)
            {
                return null;
            }
            if (Interlocked.CompareExchange(ref counters.Running, running + 1, running) == running)
            {
                return new Slot(counters);
            }
        }
    }

    /// <summary>A grain of the tenant was activated on this silo.</summary>
    public void Activated(string tenantId) => Interlocked.Increment(ref Counters(tenantId).Activations);

    /// <summary>A grain of the tenant was deactivated on this silo.</summary>
    public void Deactivated(string tenantId) => Interlocked.Decrement(ref Counters(tenantId).Activations);

    /// <summary>Remembers the stored bytes a reservation reported (for the metric).</summary>
    public void StoredBytes(string tenantId, long bytes) => Counters(tenantId).StoredBytes = bytes;

    /// <summary>Takes the counts gathered since the last call, per tenant, with the operations running now.</summary>
    public IReadOnlyList<(string TenantId, long Requests, long Rejected, int Running)> Drain()
    {
        var result = new List<(string, long, long, int)>();
        foreach (var (tenantId, counters) in _tenants)
        {
            var requests = Interlocked.Exchange(ref counters.Requests, 0);
            var rejected = Interlocked.Exchange(ref counters.Rejected, 0);
            var running = Volatile.Read(ref counters.Running);
            if (requests > 0 || rejected > 0 || running > 0 || counters.ReportedRunning)
            {
                counters.ReportedRunning = running > 0;
                result.Add((tenantId, requests, rejected, running));
            }
        }
        return result;
    }

    /// <summary>Gives back counts whose report failed, so they are sent with the next one.</summary>
    public void Restore(string tenantId, long requests, long rejected)
    {
        var counters = Counters(tenantId);
        Interlocked.Add(ref counters.Requests, requests);
        Interlocked.Add(ref counters.Rejected, rejected);
    }

    /// <summary>Takes the tenant grain's verdict on the day's budget.</summary>
    public void Verdict(string tenantId, bool exhausted) => Counters(tenantId).Exhausted = exhausted;

    public void Dispose() => _meter.Dispose();

    private TenantCounters Counters(string tenantId) => _tenants.GetOrAdd(tenantId, static _ => new TenantCounters());

    private sealed class TenantCounters
    {
        public long Requests;
        public long Rejected;
        public int Running;
        public int Activations;
        public volatile bool Exhausted;
        public bool ReportedRunning;
        public long StoredBytes = -1;
    }

    private sealed class Slot(TenantCounters counters) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref counters.Running);
            }
        }
    }
}
