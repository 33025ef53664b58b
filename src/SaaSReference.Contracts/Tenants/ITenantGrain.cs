namespace SaaSReference.Contracts.Tenants;

/// <summary>
/// One tenant of the platform, keyed by its tenant id (see <see cref="TenantId"/>). The grain's persisted
/// state is the authority on the tenant; the platform catalog is an index of it for listing.
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the tenant once. Its state is persisted before the call returns, so an acknowledged create
    /// survives the loss of any silo. A second create of the same id changes nothing and reports
    /// <see cref="CreateTenantOutcome.AlreadyExists"/> with the stored tenant.
    /// </summary>
    Task<CreateTenantResult> CreateAsync(CreateTenantCommand command);

    /// <summary>The tenant, or null when no tenant with this id was created.</summary>
    Task<TenantDetails?> GetAsync();

    /// <summary>Status, plan and overrides, or null when no tenant with this id was created.</summary>
    Task<Quotas.TenantStanding?> GetStandingAsync();

    /// <summary>
    /// Moves the tenant to another status and records who, when and why (12.2.1b/g). Leaving
    /// <see cref="TenantStatus.Frozen"/> needs <see cref="Quotas.StatusChangeCommand.ApprovedBy"/> (a second person,
    /// through an approved change request); <see cref="TenantStatus.Terminated"/> is never left. The standing is
    /// stored and published to every gateway and silo before the call returns.
    /// </summary>
    Task<Quotas.TenantChangeResult> ChangeStatusAsync(Quotas.StatusChangeCommand command);

    /// <summary>Puts the tenant on <paramref name="plan"/> (an approved change request, 12.1.2f).</summary>
    Task<Quotas.TenantChangeResult> ChangePlanAsync(string plan, string actor, string approvedBy);

    /// <summary>Replaces the tenant's quota overrides (an approved change request, 12.1.2f).</summary>
    Task<Quotas.TenantChangeResult> SetOverridesAsync(Quotas.QuotaOverrides overrides, string actor, string approvedBy);

    /// <summary>Adds one silo's counts; answers whether the day's request budget is spent (12.1.3a).</summary>
    Task<Quotas.UsageVerdict> ReportUsageAsync(Quotas.UsageReport report);

    /// <summary>
    /// Counts <paramref name="deltaBytes"/> more (or, negative, fewer) stored bytes, unless that would exceed the
    /// storage quota: then nothing is counted and the caller must not write (12.1.3b).
    /// </summary>
    Task<Quotas.StorageReservation> ReserveStorageAsync(long deltaBytes);

    /// <summary>
    /// The abuse policy's input: <paramref name="rejected"/> of the tenant's requests were refused for its limits in
    /// the window starting at <paramref name="windowStart"/> (12.1.3c). Throttles and then freezes a tenant that
    /// keeps violating; restores a throttled one after its cool-down.
    /// </summary>
    Task<Quotas.TenantChangeResult> RecordRejectionsAsync(DateTimeOffset windowStart, long rejected);

    /// <summary>
    /// Sets (or, with null, removes) the address the tenant's notifications are also POSTed to. The caller has
    /// validated it; delivery checks it again and never sends while the tenant is quarantined (12.2.1b).
    /// </summary>
    Task<Quotas.TenantChangeResult> SetWebhookAsync(Uri? url, string actor);

    /// <summary>The tenant's notification webhook, or null.</summary>
    Task<Uri?> GetWebhookAsync();

    /// <summary>Consumption, limits and status history (12.1.3a/d), or null when there is no such tenant.</summary>
    Task<Quotas.TenantUsage?> GetUsageAsync();
}
