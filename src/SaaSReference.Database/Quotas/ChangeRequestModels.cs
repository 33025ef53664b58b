using System.Text.Json;
using SaaSReference.Contracts.Quotas;

namespace SaaSReference.Database.Quotas;

/// <summary>What a change request asks for; each needs the approval of a second person (6.1.2a, 12.1.2f).</summary>
public enum ChangeRequestKind
{
    Unfreeze,
    PlanChange,
    QuotaOverride,
    ConfigurationChange,
    ConfigurationRollback,
    /// <summary>12.3.1, 6.1.2a: put one tenant's storage back to one of its backups (<c>tenant-restore</c>).</summary>
    TenantRestore,
    /// <summary>
    /// 8.1.5d, 6.1.2a: approve the termination a tenant admin requested (<c>tenant-termination</c>); made only by
    /// <c>POST /api/tenants/{tenantId}/termination</c>, executed after the grace period (docs/tenant-termination.md).
    /// </summary>
    TenantTermination,
}

/// <summary>Where a change request stands. Only <see cref="Pending"/> can still be decided.</summary>
public enum ChangeRequestStatus
{
    Pending,
    Approved,
    Rejected,
    Expired,
    Failed,
    /// <summary>Withdrawn before a decision (a termination cancelled by the tenant's admins or an operator, 8.1.5d).</summary>
    Cancelled,
}

/// <summary>The stored spellings of kinds and statuses (<c>plan-change</c>, <c>pending</c>, ...), both ways.</summary>
public static class ChangeRequestText
{
    private static readonly Dictionary<string, ChangeRequestKind> Kinds =
        Enum.GetValues<ChangeRequestKind>().ToDictionary(kind => Of(kind), StringComparer.Ordinal);

    private static readonly Dictionary<string, ChangeRequestStatus> Statuses =
        Enum.GetValues<ChangeRequestStatus>().ToDictionary(status => Of(status), StringComparer.Ordinal);

    public static IReadOnlyCollection<string> KindNames => Kinds.Keys;

    public static IReadOnlyCollection<string> StatusNames => Statuses.Keys;

    public static string Of<T>(T value) where T : struct, Enum => TenantLimitsStore.Text(value);

    public static bool TryParseKind(string? text, out ChangeRequestKind kind) => Kinds.TryGetValue(text ?? "", out kind);

    public static bool TryParseStatus(string? text, out ChangeRequestStatus status) => Statuses.TryGetValue(text ?? "", out status);

    /// <summary>Whether the kind acts on one tenant (and so names it).</summary>
    public static bool IsTenantKind(ChangeRequestKind kind) =>
        kind is ChangeRequestKind.Unfreeze or ChangeRequestKind.PlanChange or ChangeRequestKind.QuotaOverride
            or ChangeRequestKind.TenantRestore or ChangeRequestKind.TenantTermination;
}

/// <summary>
/// The stored payload of a change request (jsonb, nulls left out): unfreeze <c>{}</c>; plan-change
/// <c>{"plan"}</c>; quota-override <c>{"overrides"}</c>; configuration-change <c>{"settings","baseVersion"}</c>;
/// configuration-rollback <c>{"version","baseVersion"}</c>; tenant-restore <c>{"backupId"}</c>.
/// </summary>
/// <param name="Plan">The plan a plan-change puts the tenant on.</param>
/// <param name="Overrides">The overrides a quota-override sets (replacing the tenant's current ones).</param>
/// <param name="Settings">The whole configuration a configuration-change makes current.</param>
/// <param name="Version">The version a configuration-rollback restores.</param>
/// <param name="BaseVersion">
/// The configuration version current when a configuration request was made: the approver approves a change of
/// that version, so the request fails if another version was added meanwhile (set by the server, never by the client).
/// </param>
/// <param name="BackupId">The backup of the tenant a tenant-restore puts back (12.3.1).</param>
public sealed record ChangeRequestPayload(
    string? Plan = null,
    QuotaOverrides? Overrides = null,
    PlatformSettings? Settings = null,
    int? Version = null,
    int? BaseVersion = null,
    Guid? BackupId = null)
{
    public static ChangeRequestPayload Empty { get; } = new();

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, QuotaJson.Options);
}

/// <summary>A change request as stored in <c>platform.change_requests</c>.</summary>
public sealed record ChangeRequest(
    Guid Id,
    ChangeRequestKind Kind,
    string? TenantId,
    ChangeRequestPayload Payload,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt,
    ChangeRequestStatus Status,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionNote,
    string? Outcome)
{
    /// <summary>
    /// Whether the request is past its time: its own expiry, or — when the approval lifetime has been shortened
    /// since — the current lifetime counted from when it was made. A longer lifetime never revives a request.
    /// </summary>
    public bool IsStale(DateTimeOffset now, TimeSpan currentLifetime) =>
        ExpiresAt <= now || RequestedAt + currentLifetime <= now;
}

/// <summary>A new request, before it is stored.</summary>
public sealed record NewChangeRequest(
    ChangeRequestKind Kind,
    string? TenantId,
    ChangeRequestPayload Payload,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt);

/// <summary>A page of requests, newest first; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
public sealed record ChangeRequestPage(IReadOnlyList<ChangeRequest> Items, Guid? NextAfter);
