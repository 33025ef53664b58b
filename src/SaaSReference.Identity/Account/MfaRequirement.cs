using Microsoft.AspNetCore.Identity;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Account;

/// <summary>Who must pass a second factor before any token is issued (9.2.3a).</summary>
public sealed class MfaRequirement(UserManager<PlatformUser> users, TenantMfaPolicy tenants)
{
    /// <summary>
    /// True for a privileged role (<see cref="PlatformRoles.Privileged"/>), for a user of a tenant that requires
    /// MFA, and for anyone who has enrolled an authenticator (once enrolled, it is always asked for).
    /// </summary>
    public async Task<bool> IsRequiredAsync(PlatformUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            return true;
        }
        var roles = await users.GetRolesAsync(user);
        if (roles.Any(PlatformRoles.Privileged.Contains))
        {
            return true;
        }
        return user.TenantId is { } tenant && await tenants.RequiresMfaAsync(tenant, ct);
    }
}
