using System.Security.Claims;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.OpenIddict;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Api;

/// <summary>
/// Who may administer whose account. An operator: anyone, staff or tenant. A tenant administrator: only the
/// people of its own tenant, and only with tenant roles (it cannot create staff, nor a user of another tenant).
/// The caller's tenant comes from its validated token only (conventions 5).
/// </summary>
public sealed record UserAdministrator(string UserId, bool IsOperator, bool IsTenantAdmin, string? TenantId)
{
    private static readonly HashSet<string> TenantRoles = new(StringComparer.Ordinal) { PlatformRoles.TenantAdmin, PlatformRoles.TenantUser };

    public static UserAdministrator From(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var roles = principal.GetClaims(Claims.Role);
        return new UserAdministrator(
            principal.GetClaim(Claims.Subject) ?? "",
            roles.Contains(PlatformRoles.Operator),
            roles.Contains(PlatformRoles.TenantAdmin),
            principal.GetClaim(PlatformScopes.TenantIdClaim));
    }

    /// <summary>Whether this caller may create or administer an account of <paramref name="tenantId"/> with <paramref name="roles"/>.</summary>
    public bool May(string? tenantId, IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        if (IsOperator)
        {
            return true;
        }
        return IsTenantAdmin && TenantId is not null && string.Equals(TenantId, tenantId, StringComparison.Ordinal)
            && roles.All(TenantRoles.Contains);
    }

    /// <summary>
    /// Whether this caller may read and set the policies of <paramref name="tenantId"/> (9.2.3a): an operator any
    /// tenant's, a tenant administrator only its own. A caller without a subject may not: a change must name its author.
    /// </summary>
    public bool MayAdministerTenant(string tenantId) =>
        UserId.Length > 0 && (IsOperator || (IsTenantAdmin && string.Equals(TenantId, tenantId, StringComparison.Ordinal)));
}
