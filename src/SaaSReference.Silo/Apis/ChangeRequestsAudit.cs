using SaaSReference.Database.Audit;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// 12.1.2b/c, 12.4.3a: every change request, decision and refusal, as a structured log event under the category
/// <see cref="Category"/> and as a record of the audit trail, committed before the answer is sent (privileged acts).
/// </summary>
public sealed partial class ChangeRequestsAudit(ILoggerFactory loggerFactory, IAuditTrail trail)
{
    public const string Category = "SaaSReference.Silo.SecurityEvents";

    public const string Requested = "change-request.requested";
    public const string Approved = "change-request.approved";
    public const string Rejected = "change-request.rejected";
    public const string Failed = "change-request.failed";
    public const string Expired = "change-request.expired";
    public const string Refused = "change-request.refused";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public Task RequestMade(ChangeRequest request) =>
        Success(Requested, request.RequestedBy, request, request.Reason);

    public Task ApprovedAndApplied(ChangeRequest request) =>
        Success(Approved, request.DecidedBy ?? "", request, $"requestedBy={request.RequestedBy} outcome={request.Outcome}");

    public Task RejectedBy(ChangeRequest request) =>
        Success(Rejected, request.DecidedBy ?? "", request, $"requestedBy={request.RequestedBy} note={request.DecisionNote}");

    public Task ApprovedButFailed(ChangeRequest request)
    {
        var details = $"requestedBy={request.RequestedBy} outcome={request.Outcome}";
        LogFailure(_logger, Failed, request.DecidedBy ?? "", request.Id.ToString(), ChangeRequestText.Of(request.Kind), request.TenantId, "failed", details);
        return RecordAsync(Failed, request.DecidedBy ?? "", request.Id.ToString(), ChangeRequestText.Of(request.Kind), request.TenantId, "failed", details);
    }

    public Task ExpiredUndecided(ChangeRequest request) =>
        Success(Expired, "platform", request, $"requestedBy={request.RequestedBy} requestedAt={request.RequestedAt:O}");

    /// <summary>
    /// A request not made or a decision not taken, and why (self-approval, no MFA, stale, bad input, ...); with the problem
    /// type answered, when there is one: the privileged-use review counts self-approvals by it (12.4.3d).
    /// </summary>
    public Task Refusal(string actor, Guid? id, ChangeRequestKind? kind, string? tenantId, string reason, string? problem = null)
    {
        var kindText = kind is { } k ? ChangeRequestText.Of(k) : null;
        LogFailure(_logger, Refused, actor, id?.ToString(), kindText, tenantId, "refused", reason);
        return RecordAsync(Refused, actor, id?.ToString(), kindText, tenantId, "refused", reason, problem);
    }

    private Task Success(string type, string actor, ChangeRequest request, string details)
    {
        LogSuccess(_logger, type, actor, request.Id.ToString(), ChangeRequestText.Of(request.Kind), request.TenantId, "success", details);
        return RecordAsync(type, actor, request.Id.ToString(), ChangeRequestText.Of(request.Kind), request.TenantId, "success", details);
    }

    private Task RecordAsync(string type, string actor, string? id, string? kind, string? tenantId, string outcome, string details, string? problem = null)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["requestId"] = id ?? "", ["kind"] = kind ?? "", ["details"] = details };
        if (problem is not null)
        {
            fields["problem"] = problem;
        }
        return trail.WriteNowAsync(new AuditEvent(AuditEventTypes.Find(type)!, string.IsNullOrWhiteSpace(actor) ? "anonymous" : actor,
            Contracts.Tenants.TenantId.IsValid(tenantId) ? tenantId : null, id ?? "", outcome, fields));
    }

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information,
        Message = "Security event {SecurityEventType} actor={Actor} request={ChangeRequestId} kind={ChangeRequestKind} tenant={TenantId} outcome={Outcome} {Details}")]
    private static partial void LogSuccess(ILogger logger, string securityEventType, string actor, string? changeRequestId, string? changeRequestKind,
        string? tenantId, string outcome, string details);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning,
        Message = "Security event {SecurityEventType} actor={Actor} request={ChangeRequestId} kind={ChangeRequestKind} tenant={TenantId} outcome={Outcome} {Details}")]
    private static partial void LogFailure(ILogger logger, string securityEventType, string actor, string? changeRequestId, string? changeRequestKind,
        string? tenantId, string outcome, string details);
}
