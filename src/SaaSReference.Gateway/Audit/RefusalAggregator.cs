using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;
using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Audit;

/// <summary>Where a refusal was decided.</summary>
public static class RefusalSources
{
    /// <summary>The admission control: rate limit, frozen or terminated tenant (12.1.3b/c).</summary>
    public const string Admission = "admission";

    /// <summary>The gateway's own endpoints (<c>/me</c>, sign-in callbacks) and everything else not forwarded.</summary>
    public const string Gateway = "gateway";

    /// <summary>On the proxy path: a destination's answer (the silo's 401/403), or the session transform's refusal to forward.</summary>
    public const string Proxy = "proxy";
}

/// <summary>
/// What one aggregate counts: one event type, caller, status, path template and source in one window.
/// <see cref="Overflow"/> aggregates have no caller, path or source: they count what exceeded the window's cap.
/// </summary>
public readonly record struct RefusalKey(
    AuditEventType Type, CallerKind CallerKind, string CallerId, int Status, string Path, string? PathTenant, string Source,
    DateTimeOffset WindowStart, bool Overflow = false)
{
    /// <summary>The caller's tenant when the gateway validated it (the record then goes into that tenant's chain).</summary>
    public string? TenantId => CallerKind == CallerKind.Tenant && !Overflow ? CallerId : null;

    public static RefusalKey OverflowOf(AuditEventType type, int status, DateTimeOffset windowStart) =>
        new(type, CallerKind.Anonymous, "overflow", status, "*", null, "*", windowStart, Overflow: true);
}

/// <summary>One aggregate's count, taken out of the aggregator to be written.</summary>
public readonly record struct RefusalAggregate(RefusalKey Key, long Count);

/// <summary>
/// 12.4.3a, 9.1.2a, 12.1.3c: counts the gateway's refusals (401, 403, 429, frozen and terminated tenants) in memory,
/// per <see cref="RefusalKey"/>, in windows of <see cref="GatewayAuditOptions.Window"/> aligned to the Unix epoch.
/// <see cref="Record"/> is all the request path does: a dictionary increment under a lock that is never held across
/// anything but that, so a flood of refusals never waits for the audit writer or the database
/// (<see cref="RefusalAuditFlushService"/> does that, in the background). Each window keeps at most
/// <see cref="GatewayAuditOptions.MaxKeysPerWindow"/> aggregates; a refusal that would need another one is counted
/// into the window's overflow aggregate of its type and status instead, so no refusal goes uncounted.
/// </summary>
public sealed class RefusalAggregator(IOptions<GatewayAuditOptions> options, TimeProvider time)
{
    private sealed class Window
    {
        public readonly Dictionary<RefusalKey, long> Counts = [];
        public int Overflowed;
    }

    private readonly TimeSpan _window = options.Value.Window;
    private readonly int _cap = options.Value.MaxKeysPerWindow;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<DateTimeOffset, Window> _windows = [];

    public TimeSpan WindowLength => _window;

    /// <summary>The start of the window <paramref name="at"/> falls in.</summary>
    public DateTimeOffset WindowStart(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % _window.Ticks, TimeSpan.Zero);

    /// <summary>Counts one refusal. Never waits for I/O; safe from any number of requests at once.</summary>
    public void Record(AuditEventType type, Caller caller, int status, string path, string? pathTenant, string source)
    {
        ArgumentNullException.ThrowIfNull(type);
        var start = WindowStart(time.GetUtcNow());
        var key = new RefusalKey(type, caller.Kind, caller.Id, status, path, pathTenant, source, start);
        lock (_lock)
        {
            if (!_windows.TryGetValue(start, out var window))
            {
                window = new Window();
                _windows.Add(start, window);
            }
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(window.Counts, key);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count))
            {
                count++;
            }
            else if (window.Counts.Count - window.Overflowed < _cap)
            {
                window.Counts.Add(key, 1);
            }
            else
            {
                // Beyond the cap: one aggregate per type and status (at most a handful per window).
                ref var overflow = ref CollectionsMarshal.GetValueRefOrAddDefault(window.Counts, RefusalKey.OverflowOf(type, status, start), out var exists);
                if (!exists)
                {
                    window.Overflowed++;
                }
                overflow++;
            }
        }
    }

    /// <summary>How many refusals are counted and not yet taken (tests, diagnostics).</summary>
    public long Pending
    {
        get
        {
            lock (_lock)
            {
                return _windows.Values.Sum(w => w.Counts.Values.Sum());
            }
        }
    }

    /// <summary>
    /// Takes the aggregates of every window that ended by <paramref name="now"/>; with <paramref name="all"/> (shutdown)
    /// the current window's too.
    /// </summary>
    public IReadOnlyList<RefusalAggregate> Drain(DateTimeOffset now, bool all = false)
    {
        List<RefusalAggregate> taken = [];
        lock (_lock)
        {
            foreach (var (start, window) in _windows.ToList())
            {
                if (!all && start + _window > now)
                {
                    break;
                }
                taken.AddRange(window.Counts.Select(entry => new RefusalAggregate(entry.Key, entry.Value)));
                _windows.Remove(start);
            }
        }
        return taken;
    }

    /// <summary>Puts back aggregates that could not be handed to the audit writer (their keys were already admitted).</summary>
    public void Restore(IEnumerable<RefusalAggregate> unwritten)
    {
        ArgumentNullException.ThrowIfNull(unwritten);
        lock (_lock)
        {
            foreach (var aggregate in unwritten)
            {
                if (!_windows.TryGetValue(aggregate.Key.WindowStart, out var window))
                {
                    window = new Window();
                    _windows.Add(aggregate.Key.WindowStart, window);
                }
                ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(window.Counts, aggregate.Key, out var exists);
                if (!exists && aggregate.Key.Overflow)
                {
                    window.Overflowed++;
                }
                count += aggregate.Count;
            }
        }
    }
}
