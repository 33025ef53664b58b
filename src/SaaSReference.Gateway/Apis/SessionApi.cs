using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using SaaSReference.Gateway.Session;

namespace SaaSReference.Gateway.Apis;

/// <summary>Who is signed in, as <c>GET /me</c> tells the browser application. Never a token.</summary>
public sealed record SessionInfo(string? Name, string? TenantId, IReadOnlyList<string> Roles);

/// <summary>
/// The browser session's own endpoints, answered by the gateway and never forwarded: <c>GET /login</c>,
/// <c>POST /logout</c> and <c>GET /me</c>. Mapped only when sign-in is configured.
/// </summary>
public static class SessionApi
{
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";
    public const string MePath = "/me";

    public static RouteGroupBuilder MapSessionApi(this IEndpointRouteBuilder app)
    {
        // Signing in and out must work without a (valid) session.
        app.MapGet(LoginPath, Login);
        app.MapPost(LogoutPath, Logout);

        var signedIn = app.MapGroup("").RequireAuthorization(SessionDefaults.SignedInPolicy);
        signedIn.MapGet(MePath, Me);
        return signedIn;
    }

    /// <summary>Starts the authorization code flow; back at <paramref name="returnUrl"/> (a local path) afterwards.</summary>
    public static IResult Login(string? returnUrl)
    {
        returnUrl = string.IsNullOrEmpty(returnUrl) ? "/" : returnUrl;
        // A return address elsewhere would make the gateway an open redirector for phishing (13.2.2d).
        if (!IsLocalPath(returnUrl))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid return URL",
                detail: "returnUrl must be a path on this site, such as /tenants.");
        }
        return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [SessionDefaults.OidcScheme]);
    }

    /// <summary>
    /// Ends the session here (the stored ticket is deleted at once, so the cookie is worthless even if kept) and
    /// then at the identity service: the answer redirects to its end-session endpoint.
    /// </summary>
    public static async Task<IResult> Logout(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Otherwise any site could sign a user out with a plain form post (the session cookie is Lax, a form post
        // from elsewhere would not carry it, but a same-site one would).
        if (!SessionDefaults.HasCsrfHeader(request))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Missing CSRF header",
                detail: $"Sign-out must carry the header {SessionDefaults.CsrfHeader}: 1.");
        }
        // 9.1.2a, 12.4.3a: the session's end, recorded with its user (the cookie read here: no default scheme runs on this path).
        if (await request.HttpContext.AuthenticateAsync(SessionDefaults.CookieScheme) is { Succeeded: true } session)
        {
            await Audit.SessionAudit.EndedAsync(request.HttpContext, session.Principal, "signed out");
        }
        // OpenID Connect first: it reads the id token (the end-session hint) from the session before it is gone.
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = "/" },
            [SessionDefaults.OidcScheme, SessionDefaults.CookieScheme]);
    }

    /// <summary>200 with the user's name, tenant and roles; 401 problem details without a session.</summary>
    public static Ok<SessionInfo> Me(ClaimsPrincipal user, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(response);
        // 6.2.1c: personal data, not to be kept by the browser or any cache on the way.
        response.Headers.CacheControl = "no-store";
        var name = user.FindFirstValue("name") ?? user.FindFirstValue("preferred_username") ?? user.FindFirstValue("sub");
        var roles = user.FindAll("role").Select(c => c.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new SessionInfo(name, user.FindFirstValue("tenant_id"), roles));
    }

    // "/x" but not "//host" or "/\host" (both mean another host to a browser), and nothing a browser would strip.
    internal static bool IsLocalPath(string url) =>
        url.StartsWith('/')
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);
}
