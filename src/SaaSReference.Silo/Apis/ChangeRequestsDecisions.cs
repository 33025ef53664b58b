using System.Security.Claims;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Approving and rejecting a change request. The policy has already established an MFA-authenticated approver
/// (<see cref="ChangeRequestsApproverRequirement"/>); here the decision is refused to the requester themself
/// (the person is the token's subject, whatever role they hold now), to a request that is not pending, and to a
/// stale one (which is marked expired). The decision is one conditional UPDATE, so of two racing deciders one wins.
/// </summary>
public static class ChangeRequestsDecisions
{
    public const int MaxDecisionBodyBytes = 4 * 1024;

    internal static Task<IResult> ApproveAsync(Guid id, HttpRequest request, ClaimsPrincipal user, ChangeRequestsServices services, CancellationToken cancellationToken) =>
        DecideAsync(id, approve: true, request, user, services, cancellationToken);

    internal static Task<IResult> RejectAsync(Guid id, HttpRequest request, ClaimsPrincipal user, ChangeRequestsServices services, CancellationToken cancellationToken) =>
        DecideAsync(id, approve: false, request, user, services, cancellationToken);

    private static async Task<IResult> DecideAsync(Guid id, bool approve, HttpRequest request, ClaimsPrincipal user, ChangeRequestsServices services,
        CancellationToken cancellationToken)
    {
        var actor = user.Identity!.Name!;
        var audit = services.Audit;
        var (body, problem) = await JsonBody.ReadAsync<ChangeDecisionBody>(request, MaxDecisionBodyBytes, cancellationToken);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        // A rejection must say why; an approval may (its note goes into the tenant's history for an unfreeze).
        var note = body is null ? null : ChangeRequestsInput.Text(body.Note, "note", required: !approve, errors);
        if (problem is not null || errors.Count > 0)
        {
            await audit.Refusal(actor, id, null, null, "The decision's body is invalid.");
            return problem ?? TypedResults.ValidationProblem(errors, title: "Invalid decision");
        }

        var lifetime = (await services.CurrentAsync(cancellationToken)).Settings.ApprovalLifetime;
        var now = services.Time.GetUtcNow();
        if (await services.Store.GetAsync(id, cancellationToken) is not { } existing)
        {
            await audit.Refusal(actor, id, null, null, "No such change request.");
            return ChangeRequestsProblems.NotFound(id);
        }
        if (Refuse(existing, actor, now, lifetime) is { } refusal)
        {
            await audit.Refusal(actor, id, existing.Kind, existing.TenantId, refusal.Detail, refusal.Type);
            if (refusal.Type == ChangeRequestsProblems.Expired)
            {
                await services.ExpireAsync(id, lifetime, cancellationToken);
            }
            return refusal.ToResult();
        }

        var decided = approve
            ? await services.Store.ClaimForApprovalAsync(id, actor, note, now, lifetime, cancellationToken)
            : await services.Store.RejectAsync(id, actor, note!, now, lifetime, cancellationToken);
        if (decided is null)
        {
            // Someone else decided it, or it went stale, between the read and the update.
            var now2 = services.Time.GetUtcNow();
            var latest = await services.ExpireAsync(id, lifetime, cancellationToken) ?? await services.Store.GetAsync(id, cancellationToken) ?? existing;
            var raced = Refuse(latest, actor, now2, lifetime) ?? AlreadyDecided(latest);
            await audit.Refusal(actor, id, existing.Kind, existing.TenantId, raced.Detail, raced.Type);
            return raced.ToResult();
        }
        if (!approve)
        {
            await audit.RejectedBy(decided);
            return TypedResults.Ok(ChangeRequestResponse.From(decided));
        }
        return await ExecuteAsync(decided, actor, note, services);
    }

    private static async Task<IResult> ExecuteAsync(ChangeRequest claimed, string approver, string? note, ChangeRequestsServices services)
    {
        // Not the request's token: once approved, a client that disconnects must not leave the change half made.
        ChangeExecution execution;
        try
        {
            execution = await services.Executor.ExecuteAsync(claimed, approver, note, CancellationToken.None);
        }
        catch
        {
            var unknown = await services.Store.RecordOutcomeAsync(claimed.Id, approver, applied: false,
                "Not confirmed: the platform did not answer while the change was being made. Check the tenant or the configuration before requesting it again.",
                CancellationToken.None);
            await services.Audit.ApprovedButFailed(unknown ?? claimed);
            throw;
        }
        var recorded = await services.Store.RecordOutcomeAsync(claimed.Id, approver, execution.Applied, execution.Outcome, CancellationToken.None)
            ?? claimed with { Outcome = execution.Outcome, Status = execution.Applied ? ChangeRequestStatus.Approved : ChangeRequestStatus.Failed };
        if (execution.Applied)
        {
            await services.Audit.ApprovedAndApplied(recorded);
            return TypedResults.Ok(ChangeRequestResponse.From(recorded));
        }
        await services.Audit.ApprovedButFailed(recorded);
        return ChangeRequestsProblems.Problem(StatusCodes.Status409Conflict, ChangeRequestsProblems.ChangeFailed, "The change could not be applied",
            execution.Outcome, new Dictionary<string, object?> { ["request"] = ChangeRequestResponse.From(recorded) });
    }

    /// <summary>Why <paramref name="actor"/> may not decide <paramref name="request"/> now, or null.</summary>
    private static ChangeRefusal? Refuse(ChangeRequest request, string actor, DateTimeOffset now, TimeSpan lifetime)
    {
        if (string.Equals(request.RequestedBy, actor, StringComparison.Ordinal))
        {
            return new ChangeRefusal(StatusCodes.Status403Forbidden, "Self-approval refused",
                "You requested this change; a different person with the approver role must decide it (four-eyes principle).",
                ChangeRequestsProblems.SelfApproval);
        }
        if (request.Status != ChangeRequestStatus.Pending)
        {
            return AlreadyDecided(request);
        }
        return request.IsStale(now, lifetime)
            ? ChangeRefusal.Conflict(ChangeRequestsProblems.Expired, "Change request expired",
                $"The request was made at {request.RequestedAt:O} and was not decided within the approval lifetime; it is expired. Request the change again.")
            : null;
    }

    private static ChangeRefusal AlreadyDecided(ChangeRequest request) =>
        ChangeRefusal.Conflict(ChangeRequestsProblems.AlreadyDecided, "Change request already decided",
            $"The request is {ChangeRequestText.Of(request.Status)}{(request.DecidedBy is { } by ? $" (by {by})" : "")}; it cannot be decided again.");
}
