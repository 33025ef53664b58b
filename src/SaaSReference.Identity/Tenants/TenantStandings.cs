using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Identity.Tenants;

/// <summary>
/// The platform's view of a tenant, as the identity service needs it: whether it is frozen (12.1.3c, 12.2.1b/g)
/// and which limits are in force (12.1.3c). Read from <see cref="PlatformLimitsWatcher"/>, which every instance
/// keeps current from PostgreSQL notifications within milliseconds of the tenant grain's write, so a freeze is
/// enforced here well within a second; until the watcher's first load (the first moments after start) each
/// question goes to <c>platform.tenant_limits</c> directly.
/// </summary>
public sealed class TenantStandings(
    PlatformLimitsWatcher watcher,
    TenantLimitsStore store,
    PlatformConfigurationStore configuration)
{
    /// <summary>The standing of <paramref name="tenantId"/>; null when the platform knows no such tenant.</summary>
    public async ValueTask<TenantStanding?> FindAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        return watcher.Loaded.IsCompletedSuccessfully ? watcher.Find(tenantId) : await store.GetAsync(tenantId, cancellationToken);
    }

    /// <summary>
    /// The standing when <paramref name="tenantId"/> is refused everywhere: frozen (for any reason, quarantine for a
    /// security suspension included, 12.2.1b/g) or terminated. Null for an active or throttled tenant, for platform
    /// staff (no tenant), and for a tenant the platform does not know (its grain never wrote a row).
    /// </summary>
    public async ValueTask<TenantStanding?> SuspendedAsync(string? tenantId, CancellationToken cancellationToken) =>
        tenantId is not null && await FindAsync(tenantId, cancellationToken) is { IsFrozen: true } standing ? standing : null;

    /// <summary>
    /// The limits in force for <paramref name="tenantId"/> (12.1.3c): its plan with its overrides, under the current
    /// platform configuration. A tenant the platform does not know gets the default plan's.
    /// </summary>
    public async ValueTask<QuotaLimits> LimitsAsync(string tenantId, CancellationToken cancellationToken)
    {
        var settings = await SettingsAsync(cancellationToken);
        var standing = await FindAsync(tenantId, cancellationToken)
            ?? new TenantStanding(tenantId, TenantStatus.Active, StatusReason.None, settings.DefaultPlan, QuotaOverrides.None, 0);
        return standing.EffectiveLimits(settings);
    }

    // Read-only: creating the first configuration version is the watcher's (and the silo's) business.
    private async ValueTask<PlatformSettings> SettingsAsync(CancellationToken cancellationToken) =>
        watcher.Loaded.IsCompletedSuccessfully
            ? watcher.Configuration.Settings
            : (await configuration.GetCurrentAsync(cancellationToken))?.Settings ?? PlatformSettings.Defaults;
}
