using Microsoft.AspNetCore.Http.HttpResults;
using SaaSReference.ServiceDefaults.Http;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;

namespace SaaSReference.Identity.Api;

/// <summary>
/// 9.2.3a: a tenant's sign-in policy, "require MFA of all users" (<see cref="TenantMfaPolicy"/>), read and set by the
/// tenant's administrators (their own tenant only, from the validated token) and by operators (any tenant), with the
/// bearer tokens of <see cref="UsersApi.PolicyName"/>. Every change is a security event.
/// </summary>
public static class TenantPolicyApi
{
    /// <summary>The body is one boolean member; anything larger is not a policy.</summary>
    public const int MaxBodyBytes = 1024;

    public const string RequireMfaPolicy = "require-mfa";

    public static RouteGroupBuilder MapTenantPolicyApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/tenants/{tenantId}/sign-in-policy")
            .RequireAuthorization(UsersApi.PolicyName)
            // 6.2.1c: an administrator's answers are not kept by any cache.
            .AddEndpointFilter(NoStore.Filter);
        group.MapGet("", GetAsync);
        group.MapPut("", SetAsync);
        return group;
    }

    private static async Task<Results<Ok<TenantSignInPolicy>, ProblemHttpResult, ValidationProblem>> GetAsync(
        string tenantId, HttpContext http, TenantMfaPolicy policies)
    {
        if (!TenantIds.IsValid(tenantId))
        {
            return InvalidTenant();
        }
        if (!UserAdministrator.From(http.User).MayAdministerTenant(tenantId))
        {
            return Forbidden();
        }
        return TypedResults.Ok(await policies.GetAsync(tenantId, http.RequestAborted));
    }

    private static async Task<IResult> SetAsync(string tenantId, HttpContext http, TenantMfaPolicy policies, ISecurityEventSink events)
    {
        var caller = UserAdministrator.From(http.User);
        if (!TenantIds.IsValid(tenantId))
        {
            return InvalidTenant();
        }
        if (!caller.MayAdministerTenant(tenantId))
        {
            return Forbidden();
        }
        var (body, problem) = await JsonBody.ReadAsync<SetSignInPolicyRequest>(http.Request, MaxBodyBytes, http.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.RequireMfa is not { } requireMfa)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["requireMfa"] = ["Required: true or false."],
            }, title: "Invalid request body");
        }

        var change = await policies.SetAsync(tenantId, requireMfa, caller.UserId, http.RequestAborted);
        // Raised for every set, also one that keeps the value: the audit trail shows who confirmed what, and when.
        await events.RaiseAsync(new SecurityEvent(SecurityEventTypes.TenantPolicyChanged, caller.UserId, tenantId, null,
            SecurityEventOutcomes.Success, new Dictionary<string, string>
            {
                ["by"] = caller.UserId,
                ["policy"] = RequireMfaPolicy,
                ["old"] = Text(change.PreviousRequireMfa),
                ["new"] = Text(change.Policy.RequireMfa),
            }), http.RequestAborted);
        return TypedResults.Ok(change.Policy);
    }

    private static ValidationProblem InvalidTenant() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]>(StringComparer.Ordinal) { ["tenantId"] = ["Not a valid tenant id."] });

    private static ProblemHttpResult Forbidden() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
        title: "Not allowed", detail: "A tenant administrator may only read and set the sign-in policy of its own tenant.");

    private static string Text(bool value) => value ? "true" : "false";
}

/// <summary>The body of <c>PUT /api/tenants/{tenantId}/sign-in-policy</c>.</summary>
/// <param name="RequireMfa">Whether every user of the tenant must pass MFA; required (null or missing is refused).</param>
public sealed record SetSignInPolicyRequest(bool? RequireMfa = null);
