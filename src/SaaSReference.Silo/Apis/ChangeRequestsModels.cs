using System.Text.Json;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Body of <c>POST /api/change-requests</c>. Every member may be missing at the JSON level so that a missing one is
/// answered with a field error naming it, like every other invalid value.
/// </summary>
public sealed record CreateChangeRequestBody(string? Kind = null, string? TenantId = null, string? Reason = null, JsonElement? Payload = null);

/// <summary>Body of <c>POST /api/change-requests/{id}/approve</c> and <c>/reject</c>.</summary>
public sealed record ChangeDecisionBody(string? Note = null);

/// <summary>A change request as the API shows it.</summary>
public sealed record ChangeRequestResponse(
    Guid Id,
    string Kind,
    string? TenantId,
    string Reason,
    JsonElement Payload,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt,
    string Status,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionNote,
    string? Outcome)
{
    public static ChangeRequestResponse From(ChangeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(request.Id, ChangeRequestText.Of(request.Kind), request.TenantId, request.Reason, request.Payload.ToJson(),
            request.RequestedBy, request.RequestedAt, request.ExpiresAt, ChangeRequestText.Of(request.Status), request.DecidedBy,
            request.DecidedAt, request.DecisionNote, request.Outcome);
    }
}

/// <summary>A page of change requests, newest first; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
public sealed record ChangeRequestPageResponse(IReadOnlyList<ChangeRequestResponse> Items, Guid? NextAfter);

// The payload of each kind, read strictly: a member that does not belong to the kind is refused, not ignored.
internal sealed record UnfreezePayload;

internal sealed record PlanChangePayload(string? Plan = null);

internal sealed record QuotaOverridePayload(QuotaOverrides? Overrides = null);

internal sealed record ConfigurationChangePayload(PlatformSettings? Settings = null);

internal sealed record ConfigurationRollbackPayload(int? Version = null);
