using System.Collections.Immutable;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Contracts.Quotas;

/// <summary>One change of a tenant's status, as its history keeps it (who, when, why).</summary>
/// <param name="At">When the change took effect.</param>
/// <param name="From">The status before.</param>
/// <param name="To">The status after.</param>
/// <param name="Reason">Why.</param>
/// <param name="Note">The words of whoever decided, or of the abuse policy.</param>
/// <param name="Actor">Who made the change: a user id, or <c>abuse-policy</c>.</param>
/// <param name="ApprovedBy">The second person, for changes that need approval (unfreeze).</param>
[GenerateSerializer, Immutable]
public sealed record StatusChange(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] TenantStatus From,
    [property: Id(2)] TenantStatus To,
    [property: Id(3)] StatusReason Reason,
    [property: Id(4)] string Note,
    [property: Id(5)] string Actor,
    [property: Id(6)] string? ApprovedBy);

/// <summary>A status change asked of the tenant grain.</summary>
/// <param name="To">The status wanted.</param>
/// <param name="Reason">Why.</param>
/// <param name="Note">Free text, 1 to 500 characters.</param>
/// <param name="Actor">Who asks (from a validated credential, or <c>abuse-policy</c>).</param>
/// <param name="ApprovedBy">The approver; required to leave <see cref="TenantStatus.Frozen"/> (four-eyes).</param>
[GenerateSerializer, Immutable]
public sealed record StatusChangeCommand(
    [property: Id(0)] TenantStatus To,
    [property: Id(1)] StatusReason Reason,
    [property: Id(2)] string Note,
    [property: Id(3)] string Actor,
    [property: Id(4)] string? ApprovedBy = null);

/// <summary>How a command that changes a tenant came out.</summary>
[GenerateSerializer]
public enum TenantChangeOutcome
{
    /// <summary>Done and persisted.</summary>
    Changed = 0,
    /// <summary>Already so: nothing was changed.</summary>
    Unchanged = 1,
    /// <summary>No such tenant.</summary>
    NotFound = 2,
    /// <summary>Not allowed from the current state (e.g. unfreezing without approval, leaving terminated).</summary>
    Refused = 3,
}

/// <summary>The result of a change, with the standing in force afterwards and, when refused, why.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantChangeResult(
    [property: Id(0)] TenantChangeOutcome Outcome,
    [property: Id(1)] TenantStanding? Standing,
    [property: Id(2)] string? Problem = null);

/// <summary>
/// Work done for a tenant on one silo since its last report, sent to the tenant grain about once a second
/// (12.1.3a). Counts only; the grain keeps the totals.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UsageReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] long Requests,
    [property: Id(2)] long Rejected,
    [property: Id(3)] int ConcurrentNow,
    [property: Id(4)] DateTimeOffset At);

/// <summary>What the tenant grain answers a usage report with: whether the day's budget is spent.</summary>
[GenerateSerializer, Immutable]
public sealed record UsageVerdict(
    [property: Id(0)] bool DailyBudgetExhausted,
    [property: Id(1)] long RequestsToday,
    [property: Id(2)] long RequestsPerDay);

/// <summary>The answer to a storage reservation: granted (the bytes are counted now), or refused and why.</summary>
[GenerateSerializer, Immutable]
public sealed record StorageReservation(
    [property: Id(0)] bool Granted,
    [property: Id(1)] long StoredBytes,
    [property: Id(2)] long StorageBytes,
    [property: Id(3)] string? Problem = null);

/// <summary>A tenant's consumption and limits (12.1.3a/d): <c>GET /api/tenants/{id}/usage</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantUsage(
    [property: Id(0)] string TenantId,
    [property: Id(1)] TenantStatus Status,
    [property: Id(2)] string Plan,
    [property: Id(3)] QuotaLimits Limits,
    [property: Id(4)] QuotaOverrides Overrides,
    [property: Id(5)] double CurrentRequestsPerSecond,
    [property: Id(6)] long RequestsToday,
    [property: Id(7)] DateOnly Day,
    [property: Id(8)] long RejectedToday,
    [property: Id(9)] long StoredBytes,
    [property: Id(10)] int ConcurrentOperations,
    [property: Id(11)] ImmutableArray<StatusChange> History,
    [property: Id(12)] int ConfigurationVersion);
