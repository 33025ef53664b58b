using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.TenantData;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Silo.Audit;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.TenantData;

/// <summary>One version of the tenant's data key as the API shows it: metadata only, never key material (10.1.2b).</summary>
public sealed record TenantKeyVersionResponse(
    int Version,
    string State,
    string Provider,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? RetiredAt,
    DateTimeOffset? DestroyedAt,
    DateTimeOffset? RotationCompletedAt);

/// <summary>The re-encryption after the last rotation.</summary>
public sealed record TenantKeyRotationResponse(
    int TargetVersion,
    string Status,
    long PendingAtStart,
    long Reencrypted,
    long Skipped,
    int Passes,
    DateTimeOffset? StartedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? CompletedAt,
    string? Problem);

/// <summary>
/// The tenant's data key: its state (<c>active</c>, <c>revoked</c>, <c>destroyed</c>), the version that encrypts new data,
/// every version's metadata, and the re-encryption progress. No key material, wrapped or not, is ever part of it.
/// </summary>
public sealed record TenantKeysResponse(
    string TenantId,
    string State,
    int? CurrentVersion,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    string? RevokeReason,
    DateTimeOffset? ReinstatedAt,
    string? ReinstatedBy,
    DateTimeOffset? DestroyedAt,
    IReadOnlyList<TenantKeyVersionResponse> Versions,
    TenantKeyRotationResponse? Rotation);

/// <summary>Body of <c>POST /api/tenants/{tenantId}/keys/revoke</c>.</summary>
public sealed record RevokeTenantKeyRequest(string Reason);

/// <summary>
/// The problems of the tenant-key API and of every data path that meets an unusable key: the reason named, never internals,
/// never key material.
/// </summary>
public static class TenantKeyProblems
{
    public const string BaseUri = "https://saasreference.local/problems/";
    public const string RevokedType = BaseUri + "tenant-key-revoked";
    public const string DestroyedType = BaseUri + "tenant-key-destroyed";
    public const string MissingType = BaseUri + "tenant-key-missing";
    public const string AlreadyRevokedType = BaseUri + "tenant-key-already-revoked";
    public const string NotRevokedType = BaseUri + "tenant-key-not-revoked";

    /// <summary>
    /// The answer when a tenant's key cannot be used (10.1.2b, 8.1.5d): 423 while revoked (its admins can reinstate it), 410
    /// once destroyed, 404 when the tenant has no key (no storage provisioned).
    /// </summary>
    public static ProblemHttpResult From(TenantKeyUnavailableException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Reason switch
        {
            TenantKeyUnavailableReason.Revoked => TypedResults.Problem(statusCode: StatusCodes.Status423Locked, type: RevokedType,
                title: "Tenant data key revoked",
                detail: $"The data key of tenant '{exception.TenantId}' is revoked by its administrators: its data cannot be read or written until they reinstate it."),
            TenantKeyUnavailableReason.Destroyed => TypedResults.Problem(statusCode: StatusCodes.Status410Gone, type: DestroyedType,
                title: "Tenant data key destroyed",
                detail: $"The data key of tenant '{exception.TenantId}' was destroyed: its data can never be read again."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: MissingType, title: "No tenant data key",
                detail: $"Tenant '{exception.TenantId}' has no data key: it does not exist or its storage is not provisioned."),
        };
    }
}

/// <summary>
/// <c>/api/tenants/{tenantId}/keys</c>: the customer's own key-management tool (10.1.2b). The tenant's admins (and operators,
/// for support) read the key's metadata and the re-encryption progress; only the tenant's own admins rotate, revoke and
/// reinstate it: an operator cannot lock a customer out of its data nor lift a customer's revocation. Every act is written to
/// the audit trail before it is answered; another tenant's admin is refused without learning anything (9.4.4e).
/// </summary>
public static class TenantKeysApi
{
    public const int MaxRevokeBodyBytes = 4 * 1024;

    public static IEndpointRouteBuilder MapTenantKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/tenants/{tenantId}/keys").AddEndpointFilter(NoStore.Filter).HideForeignTenants();
        keys.MapGet("/", GetAsync).RequireAuthorization(Policies.TenantAdmin);
        keys.MapPost("/rotate", RotateAsync).RequireAuthorization(OwnTenantAdmin);
        keys.MapPost("/revoke", RevokeAsync).RequireAuthorization(OwnTenantAdmin);
        keys.MapPost("/reinstate", ReinstateAsync).RequireAuthorization(OwnTenantAdmin);
        return app;
    }

    /// <summary>
    /// The tenant's admins only: the tenant-admin role, the route's tenant (<see cref="TenantMemberRequirement"/>) and a token
    /// that names that tenant, which a platform role's token never does (<see cref="PlatformClaims.Reject"/>).
    /// </summary>
    private static void OwnTenantAdmin(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy) => policy
        .RequireAuthenticatedUser()
        .RequireRole(Roles.TenantAdmin)
        .AddRequirements(new TenantMemberRequirement())
        .RequireAssertion(context => context.User.FindAll(PlatformClaims.TenantId).Count() == 1
            && !context.User.IsInRole(Roles.Operator));

    internal static async Task<IResult> GetAsync(string tenantId, TenantKeyStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var status = await store.GetAsync(tenantId, cancellationToken);
        if (status is null || (status.Versions.Count == 0 && !status.Destroyed))
        {
            return TenantKeyProblems.From(TenantKeyStore.Unavailable(tenantId, TenantKeyUnavailableReason.Missing));
        }
        // The progress, then the metadata again: the grain records completion in the metadata before its own state, so a
        // "completed" progress always comes with the version's rotationCompletedAt.
        var progress = await ProgressAsync(grains, tenantId);
        status = await store.GetAsync(tenantId, cancellationToken) ?? status;
        return TypedResults.Ok(Response(status, progress));
    }

    internal static async Task<IResult> RotateAsync(string tenantId, ClaimsPrincipal user, TenantKeyManager manager, IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var actor = AuditActor.Of(user);
        TenantKeyStatus status;
        try
        {
            // Audited (tenant-data.key-rotated) before it returns.
            status = await manager.RotateAsync(tenantId, actor, cancellationToken);
        }
        catch (TenantKeyUnavailableException exception)
        {
            return TenantKeyProblems.From(exception);
        }
        var progress = await grains.GetGrain<ITenantKeyRotationGrain>(tenantId).StartAsync(status.Current!.Version, actor);
        return TypedResults.Accepted($"/api/tenants/{tenantId}/keys", Response(status, progress));
    }

    internal static async Task<IResult> RevokeAsync(string tenantId, HttpRequest request, ClaimsPrincipal user, TenantKeyManager manager,
        IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var (body, problem) = await JsonBody.ReadAsync<RevokeTenantKeyRequest>(request, MaxRevokeBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var reason = body!.Reason.Trim();
        if (reason.Length == 0 || reason.Length > TenantKeyManager.MaxReasonLength || reason.Any(c => char.IsControl(c) && c is not '\n'))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["reason"] = [$"A reason of 1 to {TenantKeyManager.MaxReasonLength} characters saying why the key is revoked is required."],
            }, title: "Invalid request body");
        }
        TenantKeyChangeResult result;
        try
        {
            // Audited (tenant-data.key-revoked) before it returns; in force on every silo once it returns.
            result = await manager.RevokeAsync(tenantId, AuditActor.Of(user), reason, cancellationToken);
        }
        catch (TenantKeyUnavailableException exception)
        {
            return TenantKeyProblems.From(exception);
        }
        if (!result.Changed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: TenantKeyProblems.AlreadyRevokedType,
                title: "Key already revoked", detail: $"The data key of tenant '{tenantId}' is already revoked. POST .../keys/reinstate lifts the revocation.");
        }
        return TypedResults.Ok(Response(result.Status, await ProgressAsync(grains, tenantId)));
    }

    internal static async Task<IResult> ReinstateAsync(string tenantId, ClaimsPrincipal user, TenantKeyManager manager, IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        TenantKeyChangeResult result;
        try
        {
            // Audited (tenant-data.key-reinstated) before it returns.
            result = await manager.ReinstateAsync(tenantId, AuditActor.Of(user), cancellationToken);
        }
        catch (TenantKeyUnavailableException exception)
        {
            return TenantKeyProblems.From(exception);
        }
        if (!result.Changed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: TenantKeyProblems.NotRevokedType,
                title: "Key not revoked", detail: $"The data key of tenant '{tenantId}' is not revoked; there is nothing to reinstate.");
        }
        var progress = await ProgressAsync(grains, tenantId);
        if (progress is { Status: TenantKeyRotationStatus.Paused })
        {
            // The re-encryption the revocation paused goes on at once.
            progress = await grains.GetGrain<ITenantKeyRotationGrain>(tenantId).StartAsync(progress.TargetVersion, AuditActor.Of(user));
        }
        return TypedResults.Ok(Response(result.Status, progress));
    }

    /// <summary>The re-encryption progress, or null when the grain cannot say (the tenant is unknown to the platform's catalog).</summary>
    private static async Task<TenantKeyRotationProgress?> ProgressAsync(IGrainFactory grains, string tenantId)
    {
        try
        {
            return await grains.GetGrain<ITenantKeyRotationGrain>(tenantId).GetProgressAsync();
        }
        catch (TenantQuotaException)
        {
            return null;
        }
    }

    private static TenantKeysResponse Response(TenantKeyStatus status, TenantKeyRotationProgress? progress) => new(
        status.TenantId,
        status.Destroyed ? "destroyed" : status.Revoked ? "revoked" : "active",
        status.Current?.Version,
        status.RevokedAt,
        status.RevokedBy,
        status.RevokeReason,
        status.ReinstatedAt,
        status.ReinstatedBy,
        status.DestroyedAt,
        [.. status.Versions.Select(v => new TenantKeyVersionResponse(v.Version, TenantKeyStore.Text(v.State), v.Provider, v.CreatedAt, v.CreatedBy,
            v.RetiredAt, v.DestroyedAt, v.RotationCompletedAt))],
        progress is null || progress.Status == TenantKeyRotationStatus.Idle ? null : new TenantKeyRotationResponse(
            progress.TargetVersion, System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(progress.Status.ToString()), progress.PendingAtStart,
            progress.Reencrypted, progress.Skipped, progress.Passes, progress.StartedAt, progress.UpdatedAt, progress.CompletedAt, progress.Problem));
}
