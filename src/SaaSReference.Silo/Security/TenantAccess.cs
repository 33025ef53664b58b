using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace SaaSReference.Silo.Security;

/// <summary>
/// Who may act on a tenant. The tenant comes only from the validated token's <c>tenant_id</c> claim, never from
/// a header, a query or the Orleans request context (conventions 5; 9.1.2a).
/// </summary>
public static class TenantAccess
{
    /// <summary>Operators may access any tenant; anyone else only the one tenant their token names.</summary>
    public static bool MayAccess(ClaimsPrincipal user, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true || string.IsNullOrEmpty(tenantId))
        {
            return false;
        }
        if (user.IsInRole(Roles.Operator))
        {
            return true;
        }
        var tenants = user.FindAll(PlatformClaims.TenantId).ToList();
        return tenants.Count == 1 && string.Equals(tenants[0].Value, tenantId, StringComparison.Ordinal);
    }
}

/// <summary>The route's <c>tenantId</c> must be a tenant the caller may access (<see cref="TenantAccess"/>).</summary>
public sealed class TenantMemberRequirement : IAuthorizationRequirement
{
    /// <summary>The route value that names the tenant.</summary>
    public const string RouteValueName = "tenantId";
}

/// <summary>
/// Checks <see cref="TenantMemberRequirement"/> against the current request's route. Not succeeding makes the
/// authorization middleware forbid: 403, written as problem details by the status-code pages.
/// </summary>
public sealed class TenantMemberHandler : AuthorizationHandler<TenantMemberRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantMemberRequirement requirement)
    {
        // Endpoint routing passes the HttpContext as the resource. A route without a tenant id is a wiring
        // mistake: fail closed rather than let the policy pass.
        if (context.Resource is HttpContext http
            && http.GetRouteValue(TenantMemberRequirement.RouteValueName) is string tenantId
            && TenantAccess.MayAccess(context.User, tenantId))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "The caller may not access this tenant."));
        }
        return Task.CompletedTask;
    }
}
