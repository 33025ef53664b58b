using System.Security.Claims;

namespace SaaSReference.Database.Keys;

/// <summary>
/// Claim names as the identity service (OpenIddict) issues them (inbound mapping is off, so they stay so), and
/// which combinations of them make an acceptable caller. Shared by the silo and the gateway.
/// </summary>
public static class AccessTokenClaims
{
    public const string Subject = "sub";
    public const string TenantId = "tenant_id";
    public const string Role = "role";

    public const string OperatorRole = "operator";
    public const string ApproverRole = "approver";
    public const string AuditorRole = "auditor";

    /// <summary>Roles that only platform staff hold, never a tenant's user.</summary>
    public static readonly string[] PlatformRoles = [OperatorRole, ApproverRole, AuditorRole];

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
        var platformRole = HasPlatformRole(principal);
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

    /// <summary>The one tenant of a principal that <see cref="Reject"/> accepts; null for platform staff.</summary>
    public static string? TenantOf(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirst(TenantId)?.Value;
    }

    private static bool HasPlatformRole(ClaimsPrincipal principal) =>
        principal.FindAll(Role).Any(claim => PlatformRoles.Contains(claim.Value, StringComparer.Ordinal));
}
