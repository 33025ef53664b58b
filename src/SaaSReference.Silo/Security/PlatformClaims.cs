using System.Security.Claims;

namespace SaaSReference.Silo.Security;

/// <summary>Claim names as the identity service (OpenIddict) issues them; inbound mapping is off, so they stay so.</summary>
public static class PlatformClaims
{
    public const string Subject = "sub";
    public const string TenantId = "tenant_id";
    public const string Role = "role";

    /// <summary>The header <c>typ</c> of an OAuth 2.0 JWT access token (RFC 9068); ID tokens carry <c>JWT</c>.</summary>
    public static readonly string[] AccessTokenTypes = ["at+jwt", "application/at+jwt"];

    /// <summary>Roles that only platform staff hold, never a tenant's user.</summary>
    public static readonly string[] PlatformRoles = [Roles.Operator, Roles.Approver, Roles.Auditor];

    /// <summary>
    /// Why a validated access token must still be refused, or null when it is acceptable. A tenant's user or
    /// machine client carries exactly one well-formed <c>tenant_id</c>; platform staff carry a platform role and
    /// no tenant. A token with both is refused: a tenant must never be able to hand out a role that the
    /// platform honours (the "same role name in two tenants" failure).
    /// </summary>
    public static string? Reject(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.FindAll(Subject).Count() != 1 || string.IsNullOrWhiteSpace(principal.FindFirst(Subject)!.Value))
        {
            return "The access token must name exactly one subject.";
        }
        var tenants = principal.FindAll(TenantId).Select(claim => claim.Value).ToList();
        var platformRole = principal.FindAll(Role).Any(claim => PlatformRoles.Contains(claim.Value, StringComparer.Ordinal));
        return (tenants.Count, platformRole) switch
        {
            (0, true) => null,
            (0, false) => "The access token carries neither a tenant nor a platform role.",
            (1, false) when Contracts.Tenants.TenantId.IsValid(tenants[0]) => null,
            (1, false) => "The access token's tenant id is malformed.",
            (1, true) => "A tenant's access token cannot carry a platform role.",
            _ => "The access token names more than one tenant.",
        };
    }
}
