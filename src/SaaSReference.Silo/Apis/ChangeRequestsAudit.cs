using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// 12.1.2b/c: every change request, decision and refusal as a structured security event, under the category
/// <see cref="Category"/>, with actor, request id, kind and tenant as named properties so that the audit trail can
/// take them from the log pipeline without parsing text.
/// </summary>
public sealed partial class ChangeRequestsAudit(ILoggerFactory loggerFactory)
{
    public const string Category = "SaaSReference.Silo.SecurityEvents";

    public const string Requested = "change-request.requested";
    public const string Approved = "change-request.approved";
    public const string Rejected = "change-request.rejected";
    public const string Failed = "change-request.failed";
    public const string Expired = "change-request.expired";
    public const string Refused = "change-request.refused";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public void RequestMade(ChangeRequest request) =>
        Success(Requested, request.RequestedBy, request, request.Reason);

    public void ApprovedAndApplied(ChangeRequest request) =>
        Success(Approved, request.DecidedBy ?? "", request, $"requestedBy={request.RequestedBy} outcome={request.Outcome}");

    public void RejectedBy(ChangeRequest request) =>
        Success(Rejected, request.DecidedBy ?? "", request, $"requestedBy={request.RequestedBy} note={request.DecisionNote}");

    public void ApprovedButFailed(ChangeRequest request) =>
        LogFailure(_logger, Failed, request.DecidedBy ?? "", request.Id.ToString(), ChangeRequestText.Of(request.Kind), request.TenantId,
            "failed", $"requestedBy={request.RequestedBy} outcome={request.Outcome}");

    public void ExpiredUndecided(ChangeRequest request) =>
        Success(Expired, "platform", request, $"requestedBy={request.RequestedBy} requestedAt={request.RequestedAt:O}");

    /// <summary>A request not made or a decision not taken, and why (self-approval, no MFA, stale, bad input, ...).</summary>
    public void Refusal(string actor, Guid? id, ChangeRequestKind? kind, string? tenantId, string reason) =>
        LogFailure(_logger, Refused, actor, id?.ToString(), kind is { } k ? ChangeRequestText.Of(k) : null, tenantId, "refused", reason);

    private void Success(string type, string actor, ChangeRequest request, string details) =>
        LogSuccess(_logger, type, actor, request.Id.ToString(), ChangeRequestText.Of(request.Kind), request.TenantId, "success", details);

    [LoggerMessage(EventId = 9100, Level = LogLevel.Information,
        Message = "Security event {SecurityEventType} actor={Actor} request={ChangeRequestId} kind={ChangeRequestKind} tenant={TenantId} outcome={Outcome} {Details}")]
    private static partial void LogSuccess(ILogger logger, string securityEventType, string actor, string? changeRequestId, string? changeRequestKind,
        string? tenantId, string outcome, string details);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning,
        Message = "Security event {SecurityEventType} actor={Actor} request={ChangeRequestId} kind={ChangeRequestKind} tenant={TenantId} outcome={Outcome} {Details}")]
    private static partial void LogFailure(ILogger logger, string securityEventType, string actor, string? changeRequestId, string? changeRequestKind,
        string? tenantId, string outcome, string details);
}
