using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.Database.TenantData.Termination;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.TenantData;

/// <summary>Body of <c>POST /api/tenants/{tenantId}/termination</c>: why, and the tenant id typed again to confirm.</summary>
public sealed record TenantTerminationRequestBody(string? Reason = null, string? ConfirmTenantId = null);

/// <summary>8.1.5e/f: what an executed termination destroyed.</summary>
public sealed record TenantTerminationEvidenceResponse(
    string? Region,
    string? SchemaName,
    IReadOnlyDictionary<string, long>? DroppedRows,
    DateTimeOffset? SchemaDroppedAt,
    IReadOnlyList<int>? KeyVersionsDestroyed,
    DateTimeOffset? KeysDestroyedAt,
    IReadOnlyList<UndecryptableBackup>? BackupsUndecryptable,
    DateTimeOffset? StorageTerminatedAt);

/// <summary>A termination as the API shows it (8.1.5d): its state, its grace period, its approval, and once executed its evidence.</summary>
public sealed record TenantTerminationResponse(
    Guid Id,
    string TenantId,
    string State,
    string Reason,
    DateTimeOffset RequestedAt,
    string RequestedBy,
    DateTimeOffset ExecuteAfter,
    Guid ChangeRequestId,
    string? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    string? CancelledBy,
    DateTimeOffset? CancelledAt,
    string? CancelReason,
    DateTimeOffset? ExecutionStartedAt,
    DateTimeOffset? ExecutedAt,
    TenantTerminationEvidenceResponse? Evidence)
{
    public static TenantTerminationResponse From(TenantTermination termination)
    {
        ArgumentNullException.ThrowIfNull(termination);
        var e = termination.Evidence;
        var recorded = e.KeysDestroyedAt is not null || e.SchemaName is not null || e.StorageTerminatedAt is not null;
        return new(termination.Id, termination.TenantId, TenantTerminationText.Of(termination.State), termination.Reason, termination.RequestedAt,
            termination.RequestedBy, termination.ExecuteAfter, termination.ChangeRequestId, termination.ApprovedBy, termination.ApprovedAt,
            termination.CancelledBy, termination.CancelledAt, termination.CancelReason, termination.ExecutionStartedAt, termination.ExecutedAt,
            recorded
                ? new TenantTerminationEvidenceResponse(e.Region, e.SchemaName, e.DroppedRows, e.SchemaDroppedAt, e.KeyVersionsDestroyed, e.KeysDestroyedAt,
                    e.BackupsUndecryptable, e.StorageTerminatedAt)
                : null);
    }
}

/// <summary>The problems of the termination API and of every route of a terminated tenant: the reason named, never internals.</summary>
public static class TenantTerminationProblems
{
    public const string BaseUri = "https://saasreference.local/problems/";
    public const string TerminatedType = BaseUri + "tenant-terminated";
    public const string ExistsType = BaseUri + "tenant-termination-exists";
    public const string NotCancellableType = BaseUri + "tenant-termination-not-cancellable";

    /// <summary>8.1.5d: the tenant was terminated; its data and its key are destroyed and nothing brings them back.</summary>
    public static IResult Terminated(string tenantId) => TypedResults.Problem(statusCode: StatusCodes.Status410Gone, type: TerminatedType,
        title: "Tenant terminated",
        detail: $"Tenant '{tenantId}' was terminated at its request: its data key was destroyed and its storage dropped; its data cannot be read or written any more.");

    public static IResult NotFound(string tenantId) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No termination",
        detail: $"No termination of tenant '{tenantId}' was requested.");

    public static IResult Exists(TenantTermination existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ExistsType, title: "Termination already requested",
            detail: existing.State == TenantTerminationState.Executed
                ? $"Tenant '{existing.TenantId}' was terminated at {existing.ExecutedAt:O}."
                : $"Tenant '{existing.TenantId}' already has a termination that is {TenantTerminationText.Of(existing.State)} (GET .../termination shows it; DELETE cancels it before it is executed).",
            extensions: new Dictionary<string, object?> { ["termination"] = TenantTerminationResponse.From(existing) });
    }

    public static IResult NotCancellable(TenantTermination latest)
    {
        ArgumentNullException.ThrowIfNull(latest);
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: NotCancellableType, title: "Termination cannot be cancelled",
            detail: latest.State switch
            {
                TenantTerminationState.Cancelled => $"The termination of tenant '{latest.TenantId}' is already cancelled.",
                TenantTerminationState.Executed => $"Tenant '{latest.TenantId}' was terminated at {latest.ExecutedAt:O}; it cannot be undone.",
                _ => $"The termination of tenant '{latest.TenantId}' is being executed since {latest.ExecutionStartedAt:O}; it can no longer be cancelled.",
            },
            extensions: new Dictionary<string, object?> { ["termination"] = TenantTerminationResponse.From(latest) });
    }
}

/// <summary>
/// <c>/api/tenants/{tenantId}/termination</c> (8.1.5d): a tenant's admin asks for the tenant to be terminated, typing its id
/// to confirm; a second person approves the change request this makes (6.1.2a, <c>POST /api/change-requests/{id}/approve</c>);
/// nothing is destroyed before the grace period (<c>TenantTermination:GracePeriod</c>) ends, and the tenant keeps working
/// (and may export its data) until then. The tenant's admins or an operator read it and cancel it before its execution. A
/// caller of another tenant gets 404, as for a tenant without a termination (9.4.4e). Every act is audited before it is
/// answered.
/// </summary>
public static class TenantTerminationApi
{
    public const int MaxBodyBytes = 4 * 1024;

    public static IEndpointRouteBuilder MapTenantTerminationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/termination").AddEndpointFilter(NoStore.Filter).HideForeignTenants();
        group.MapPost("/", RequestAsync).RequireAuthorization(OwnTenantAdmin);
        group.MapGet("/", GetAsync).RequireAuthorization(Policies.TenantAdmin);
        group.MapDelete("/", CancelAsync).RequireAuthorization(Policies.TenantAdmin);
        return app;
    }

    /// <summary>
    /// The tenant's own admins only: the tenant-admin role, the route's tenant and a token that names that tenant (a platform
    /// role's token never does). An operator does not end a customer's contract on its behalf.
    /// </summary>
    private static void OwnTenantAdmin(AuthorizationPolicyBuilder policy) => policy
        .RequireAuthenticatedUser()
        .RequireRole(Roles.TenantAdmin)
        .AddRequirements(new TenantMemberRequirement())
        .RequireAssertion(context => context.User.FindAll(PlatformClaims.TenantId).Count() == 1 && !context.User.IsInRole(Roles.Operator));

    internal static async Task<IResult> RequestAsync(string tenantId, HttpRequest request, ClaimsPrincipal user, TenantTerminationService terminations,
        ChangeRequestsServices changeRequests, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var (body, problem) = await JsonBody.ReadAsync<TenantTerminationRequestBody>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var reason = ChangeRequestsInput.Text(body!.Reason, "reason", required: true, errors);
        if (!string.Equals(body.ConfirmTenantId, tenantId, StringComparison.Ordinal))
        {
            errors["confirmTenantId"] = [$"Type the tenant id '{tenantId}' exactly to confirm: termination destroys all of the tenant's data, and its backups become unreadable."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid termination request");
        }
        var standing = await grains.GetGrain<ITenantGrain>(tenantId).GetStandingAsync();
        if (standing is null)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        if (standing.Status == TenantStatus.Terminated)
        {
            return TenantTerminationProblems.Terminated(tenantId);
        }

        var actor = user.Identity!.Name!;
        var lifetime = (await changeRequests.CurrentAsync(cancellationToken)).Settings.ApprovalLifetime;
        TenantTermination termination;
        try
        {
            // Audited (tenant-data.termination-requested) before it returns; not the request's token from here on.
            termination = await terminations.RequestAsync(tenantId, actor, reason!, lifetime, CancellationToken.None);
        }
        catch (TenantTerminationConflictException conflict)
        {
            return TenantTerminationProblems.Exists(conflict.Existing);
        }
        if (await changeRequests.Store.GetAsync(termination.ChangeRequestId, CancellationToken.None) is { } changeRequest)
        {
            await changeRequests.Audit.RequestMade(changeRequest);
        }
        return TypedResults.Accepted($"/api/tenants/{tenantId}/termination", TenantTerminationResponse.From(termination));
    }

    internal static async Task<IResult> GetAsync(string tenantId, TenantTerminationService terminations, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        return await terminations.Store.GetLatestAsync(tenantId, cancellationToken) is { } latest
            ? TypedResults.Ok(TenantTerminationResponse.From(latest))
            : TenantTerminationProblems.NotFound(tenantId);
    }

    internal static async Task<IResult> CancelAsync(string tenantId, ClaimsPrincipal user, TenantTerminationService terminations, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        if (await terminations.Store.GetLatestAsync(tenantId, cancellationToken) is not { } latest)
        {
            return TenantTerminationProblems.NotFound(tenantId);
        }
        var actor = user.Identity!.Name!;
        var who = user.IsInRole(Roles.Operator) ? "an operator" : "the tenant's admin";
        // Audited (tenant-data.termination-cancelled) before it returns.
        var cancelled = await terminations.CancelAsync(tenantId, actor, $"Cancelled by {who} ({actor}).", CancellationToken.None);
        if (cancelled is not null)
        {
            return TypedResults.Ok(TenantTerminationResponse.From(cancelled));
        }
        return TenantTerminationProblems.NotCancellable(await terminations.Store.GetLatestAsync(tenantId, CancellationToken.None) ?? latest);
    }
}

/// <summary>The approval of a <c>tenant-termination</c> change request (6.1.2a): recorded now, executed after the grace period.</summary>
public static class TenantTerminationApproval
{
    public static async Task<ChangeExecution> ApproveAsync(TenantTerminationService terminations, ChangeRequest request, string approvedBy,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(terminations);
        ArgumentNullException.ThrowIfNull(request);
        if (await terminations.ApproveAsync(request.Id, approvedBy, cancellationToken) is { } approved)
        {
            return new(true, string.Create(CultureInfo.InvariantCulture,
                $"Termination of tenant '{approved.TenantId}' approved; it is executed once its grace period ends at {approved.ExecuteAfter:O}, unless cancelled before."));
        }
        var current = await terminations.Store.GetByChangeRequestAsync(request.Id, cancellationToken);
        return new(false, current is null
            ? "No termination belongs to this change request; nothing was approved."
            : $"The termination of tenant '{current.TenantId}' is {TenantTerminationText.Of(current.State)}; nothing was approved.");
    }
}
