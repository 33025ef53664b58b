using System.Runtime.InteropServices;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>Requests of one tenant refused for its rate limit in one abuse-policy window.</summary>
public readonly record struct WindowRejections(string TenantId, DateTimeOffset WindowStart, long Rejected);

/// <summary>
/// Counts this instance's refusals per tenant and abuse window in memory; <see cref="RejectionFlushService"/> adds
/// them to <c>platform.limit_rejections</c> every second, where the abuse policy reads the sum over all gateway
/// instances (12.1.3c). Windows are <c>Abuse.Window</c> long and aligned to the Unix epoch, so every instance cuts
/// time the same way without talking to the others.
/// </summary>
public sealed class RejectionCounter(PlatformLimitsWatcher watcher, TimeProvider time)
{
    /// <summary>Counts that could not be written for this many windows are dropped: the abuse policy is long past them.</summary>
    public const int WindowsKeptUnwritten = 10;

    private readonly Lock _lock = new();
    private Dictionary<(string Tenant, DateTimeOffset Window), long> _counts = [];

    public void Record(string tenantId)
    {
        var start = LimitRejectionStore.WindowStart(time.GetUtcNow(), watcher.Configuration.Settings.Abuse.Window);
        lock (_lock)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_counts, (tenantId, start), out _)++;
        }
    }

    /// <summary>Takes everything counted so far; the caller writes it or gives it back with <see cref="Restore"/>.</summary>
    public IReadOnlyList<WindowRejections> Drain()
    {
        Dictionary<(string Tenant, DateTimeOffset Window), long> taken;
        lock (_lock)
        {
            if (_counts.Count == 0)
            {
                return [];
            }
            taken = _counts;
            _counts = [];
        }
        return [.. taken.Select(entry => new WindowRejections(entry.Key.Tenant, entry.Key.Window, entry.Value))];
    }

    /// <summary>Puts back counts that could not be written, to be tried again with the next flush.</summary>
    public void Restore(IEnumerable<WindowRejections> unwritten)
    {
        ArgumentNullException.ThrowIfNull(unwritten);
        var window = watcher.Configuration.Settings.Abuse.Window;
        var oldest = LimitRejectionStore.WindowStart(time.GetUtcNow(), window) - window * WindowsKeptUnwritten;
        lock (_lock)
        {
            foreach (var entry in unwritten.Where(entry => entry.WindowStart >= oldest))
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_counts, (entry.TenantId, entry.WindowStart), out _) += entry.Rejected;
            }
        }
    }
}
