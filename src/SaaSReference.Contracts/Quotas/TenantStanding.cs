using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Contracts.Quotas;

/// <summary>Why a tenant's status was changed (12.2.1b/g).</summary>
[GenerateSerializer]
public enum StatusReason
{
    /// <summary>Never changed since creation.</summary>
    None = 0,
    /// <summary>Kept exceeding its limits (the abuse policy acted, or an operator did for the same cause).</summary>
    Abuse = 1,
    /// <summary>Suspected compromise or malware: a quarantine, which also blocks its webhooks and machine clients (12.2.1g).</summary>
    SecuritySuspension = 2,
    /// <summary>Unpaid invoices.</summary>
    NonPayment = 3,
    /// <summary>An operator's decision for another cause, named in the note.</summary>
    OperatorDecision = 4,
    /// <summary>Back to normal (unfreeze approved, or a throttle's cool-down passed).</summary>
    Restored = 5,
}

/// <summary>
/// What every gateway and silo must know about a tenant to admit its requests: status, plan and overrides.
/// Written by the tenant grain (the authority) to <c>platform.tenant_limits</c>, from where every instance is
/// told of each change at once (PostgreSQL NOTIFY).
/// </summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Status">Active, throttled, frozen or terminated.</param>
/// <param name="Reason">Why the status was last changed.</param>
/// <param name="Plan">The plan's name.</param>
/// <param name="Overrides">Approved exceptions to the plan.</param>
/// <param name="Revision">Grows with every change; an instance never replaces a newer standing with an older one.</param>
[GenerateSerializer, Immutable]
public sealed record TenantStanding(
    [property: Id(0)] string TenantId,
    [property: Id(1)] TenantStatus Status,
    [property: Id(2)] StatusReason Reason,
    [property: Id(3)] string Plan,
    [property: Id(4)] QuotaOverrides Overrides,
    [property: Id(5)] long Revision)
{
    /// <summary>Quarantined: frozen for a security suspension (12.2.1b).</summary>
    public bool IsQuarantined => Status == TenantStatus.Frozen && Reason == StatusReason.SecuritySuspension;

    /// <summary>Refused everywhere except reading its own status, usage and export.</summary>
    public bool IsFrozen => Status is TenantStatus.Frozen or TenantStatus.Terminated;

    /// <summary>
    /// The limits in force: the plan's (or the default plan's, when the plan no longer exists) with the overrides
    /// applied, and the rate reduced while throttled.
    /// </summary>
    public QuotaLimits EffectiveLimits(PlatformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var plan = settings.FindPlan(Plan) ?? settings.FindPlan(settings.DefaultPlan) ?? settings.Plans[0];
        var limits = Overrides.ApplyTo(plan.Limits);
        if (Status != TenantStatus.Throttled)
        {
            return limits;
        }
        var factor = settings.Abuse.ThrottledRateFactor;
        return limits with
        {
            RequestsPerSecond = limits.RequestsPerSecond * factor,
            Burst = Math.Max(1, (int)(limits.Burst * factor)),
        };
    }
}
