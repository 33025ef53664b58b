using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Validation.AspNetCore;
using SaaSReference.Identity.Data;
using SaaSReference.ServiceDefaults.Http;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Security;
using SaaSReference.Identity.Tenants;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Api;

/// <summary>User administration for operators and tenant administrators, with bearer tokens of this service.</summary>
public static class UsersApi
{
    public const string PolicyName = "user-administration";

    /// <summary>An access token for the platform API, held by an operator or a tenant administrator.</summary>
    public static IServiceCollection AddUsersApi(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(Claims.Role, PlatformRoles.Operator, PlatformRoles.TenantAdmin));
        return services;
    }

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/users")
            .RequireAuthorization(PolicyName)
            // 6.2.1c: account data and temporary passwords must not be kept by any cache.
            .AddEndpointFilter(NoStore.Filter);
        group.MapPost("/", CreateAsync);
        group.MapPost("/{id}/reset-password", PasswordResets.ResetAsync);
        return group;
    }

    private static async Task<Results<Created<UserResponse>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        CreateUserRequest body, HttpContext http, UserManager<PlatformUser> users, UserAccounts accounts, TenantQuotas quotas,
        ISecurityEventSink events)
    {
        var caller = UserAdministrator.From(http.User);
        var roles = (body.Roles ?? []).Distinct(StringComparer.Ordinal).ToList();
        var tenantId = string.IsNullOrWhiteSpace(body.TenantId) ? null : body.TenantId;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body.Email is not { Length: > 3 and <= 256 } email || !email.Contains('@', StringComparison.Ordinal))
        {
            errors["email"] = ["An email address is required."];
        }
        if (body.DisplayName is not { Length: > 0 and <= 200 } || string.IsNullOrWhiteSpace(body.DisplayName))
        {
            errors["displayName"] = ["A display name of at most 200 characters is required."];
        }
        if (tenantId is not null && !TenantIds.IsValid(tenantId))
        {
            errors["tenantId"] = ["Not a valid tenant id."];
        }
        if (roles.Count == 0)
        {
            errors["roles"] = ["At least one role is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (!caller.May(tenantId, roles))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
                detail: "A tenant administrator may only create users of its own tenant, with tenant roles.");
        }
        // 6.1.2a/c: whoever operates may not approve; platform and tenant roles never mix.
        if (PlatformRoles.Conflict(roles, tenantId) is { } conflict)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["roles"] = [conflict] }, title: "Role conflict");
        }
        // 6.2.1d: checked here too, so the answer lists every rule broken, by code.
        var policy = PasswordPolicy.Check(body.Password ?? "", body.Email, body.Email);
        if (policy.Count > 0)
        {
            return PasswordProblem(policy);
        }
        if (await users.FindByEmailAsync(body.Email!) is not null)
        {
            return Duplicate();
        }

        var (user, result) = await accounts.CreateAsync(body.Email!, body.DisplayName!, tenantId, roles, body.Password!, http.RequestAborted);
        if (result.Errors.OfType<QuotaExceededError>().FirstOrDefault() is { } exceeded)
        {
            // 12.1.3c: the tenant's users are counted against its plan (with overrides) when one is created.
            await quotas.ReportAsync(tenantId!, exceeded, caller.UserId, http.RequestAborted);
            return QuotaExceeded(exceeded);
        }
        if (!result.Succeeded)
        {
            return result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName))
                ? Duplicate()
                : TypedResults.ValidationProblem(result.Errors.GroupBy(e => e.Code).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }
        await events.RaiseAsync(new SecurityEvent(SecurityEventTypes.UserCreated, user.Id, user.TenantId, null, SecurityEventOutcomes.Success,
            new Dictionary<string, string> { ["by"] = caller.UserId, ["roles"] = string.Join(',', roles) }), http.RequestAborted);
        return TypedResults.Created($"{http.Request.PathBase}/api/users/{user.Id}",
            new UserResponse(user.Id, user.Email!, user.DisplayName, user.TenantId, roles, user.PasswordChangeRequired));
    }

    internal static ValidationProblem PasswordProblem(IReadOnlyList<string> codes) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["password"] = [.. codes.Select(PasswordPolicy.Describe)] },
        title: "The password does not meet the policy",
        extensions: new Dictionary<string, object?> { ["passwordErrors"] = codes });

    /// <summary>12.1.3c: 409 with the quota, its limit and the count, so a client can tell it from other conflicts.</summary>
    internal static ProblemHttpResult QuotaExceeded(QuotaExceededError exceeded) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, type: TenantQuotas.ProblemType, title: "Quota exceeded", detail: exceeded.Description,
        extensions: new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["quota"] = exceeded.Quota,
            ["limit"] = exceeded.Limit,
            ["used"] = exceeded.Used,
        });

    private static ProblemHttpResult Duplicate() => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
        title: "Email already in use", detail: "An account with this email address exists already.");
}
