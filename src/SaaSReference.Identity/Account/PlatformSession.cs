using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Account;

/// <summary>A completed sign-in: the person and the principal of the Identity application cookie.</summary>
public sealed record PlatformSession(PlatformUser User, ClaimsPrincipal Principal)
{
    /// <summary>How the person authenticated in this session (RFC 8176 values).</summary>
    public IReadOnlyList<string> Methods =>
        [.. Principal.FindAll(AuthenticationMethods.ClaimType).Select(c => c.Value).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The session of the request, read from the Identity application cookie by name, whatever the default scheme
    /// is; the pending cookie of a half-finished sign-in never counts (9.2.3a).
    /// </summary>
    public static async Task<PlatformSession?> ReadAsync(HttpContext context, UserManager<PlatformUser> users)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(users);
        var result = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!result.Succeeded)
        {
            return null;
        }
        var user = await users.GetUserAsync(result.Principal);
        return user is null ? null : new PlatformSession(user, result.Principal);
    }
}
