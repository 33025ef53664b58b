using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace SaaSReference.Identity.Account;

/// <summary>
/// Who has passed the password and for which tenant choice, between the password and the last step (password
/// change, MFA). Kept in a short-lived, data-protected cookie of a scheme of its own, never in a URL (13.2.2d);
/// <c>connect/authorize</c> reads only the Identity application cookie, so this one is never a session (9.2.3a).
/// </summary>
public sealed record PendingSignIn(string UserId, string? TenantId)
{
    public const string Scheme = "Platform.PendingSignIn";
    public const string CookieName = ".SaaSReference.PendingSignIn";

    /// <summary>How long a person has, after the password, to finish the remaining steps.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private const string UserClaim = "sub";
    private const string TenantClaim = "tenant_choice";

    public static void Configure(CookieAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Cookie.Name = CookieName;
        options.Cookie.HttpOnly = true;
        // Set by a same-origin form post and read only by the sign-in pages that follow it.
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.IsEssential = true;
        options.ExpireTimeSpan = Lifetime;
        // A fixed window: activity on the MFA page must not keep a half-finished sign-in alive.
        options.SlidingExpiration = false;
    }

    public static async Task<PendingSignIn?> ReadAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await context.AuthenticateAsync(Scheme);
        return result.Succeeded ? FromPrincipal(result.Principal) : null;
    }

    public static PendingSignIn? FromPrincipal(ClaimsPrincipal? principal)
    {
        var userId = principal?.FindFirst(UserClaim)?.Value;
        if (string.IsNullOrEmpty(userId))
        {
            return null;
        }
        var tenant = principal!.FindFirst(TenantClaim)?.Value;
        return new PendingSignIn(userId, string.IsNullOrEmpty(tenant) ? null : tenant);
    }

    public Task WriteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var identity = new ClaimsIdentity(Scheme, UserClaim, null);
        identity.AddClaim(new Claim(UserClaim, UserId));
        identity.AddClaim(new Claim(TenantClaim, TenantId ?? string.Empty));
        return context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IsPersistent = false,
            AllowRefresh = false,
        });
    }

    public static Task ClearAsync(HttpContext context) => context.SignOutAsync(Scheme);
}
