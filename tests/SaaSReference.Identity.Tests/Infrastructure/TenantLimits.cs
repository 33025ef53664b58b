using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>
/// Writes tenants' standings to <c>platform.tenant_limits</c> as the tenant grain does (the silo is not running in
/// these tests), and waits until the identity instance has taken them in.
/// </summary>
public static class TenantLimits
{
    /// <summary>12.1.3c: a freeze reaches every instance within one second; each write here checks that it did.</summary>
    public static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    /// <summary>A tenant id of its own for one test (unknown to the platform until a standing is written).</summary>
    public static string NewTenant(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static TenantStanding Active(string tenantId, long revision, QuotaOverrides? overrides = null, string plan = "basic") =>
        new(tenantId, TenantStatus.Active, StatusReason.Restored, plan, overrides ?? QuotaOverrides.None, revision);

    public static TenantStanding Frozen(string tenantId, long revision, StatusReason reason = StatusReason.Abuse) =>
        new(tenantId, TenantStatus.Frozen, reason, "basic", QuotaOverrides.None, revision);

    /// <summary>Quarantine (12.2.1b/g): frozen for a security suspension.</summary>
    public static TenantStanding Quarantined(string tenantId, long revision) => Frozen(tenantId, revision, StatusReason.SecuritySuspension);

    public static TenantStanding With(string tenantId, long revision, TenantStatus status, StatusReason reason) =>
        new(tenantId, status, reason, "basic", QuotaOverrides.None, revision);

    /// <summary>
    /// Stores <paramref name="standing"/> through <see cref="TenantLimitsStore.UpsertAsync"/> and waits until the
    /// instance's <see cref="PlatformLimitsWatcher"/> holds it, failing when that takes longer than <see cref="Propagation"/>.
    /// </summary>
    public static async Task SetAsync(IdentityFactory identity, TenantStanding standing)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(standing);
        var watcher = identity.Services.GetRequiredService<PlatformLimitsWatcher>();
        await watcher.Loaded.WaitAsync(TimeSpan.FromSeconds(30));
        await identity.Services.GetRequiredService<TenantLimitsStore>().UpsertAsync(standing, DateTimeOffset.UtcNow);
        var elapsed = Stopwatch.StartNew();
        while (watcher.Find(standing.TenantId)?.Revision != standing.Revision)
        {
            Assert.True(elapsed.Elapsed < Propagation,
                $"The identity instance did not see revision {standing.Revision} of {standing.TenantId} within {Propagation.TotalSeconds} s.");
            await Task.Delay(10);
        }
    }
}
