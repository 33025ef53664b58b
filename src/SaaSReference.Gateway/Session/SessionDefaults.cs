using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace SaaSReference.Gateway.Session;

/// <summary>Names shared by the sign-in wiring, the session endpoints and the proxy transforms.</summary>
public static class SessionDefaults
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string OidcScheme = OpenIdConnectDefaults.AuthenticationScheme;
    public const string CookieName = "SaaSReference.Session";
    public const string SignedInPolicy = "SignedIn";

    /// <summary>
    /// The header a cookie-authenticated unsafe request must carry. A page of another site cannot add a custom
    /// header to a cross-site request without a CORS preflight, which the gateway never grants.
    /// </summary>
    public const string CsrfHeader = "X-CSRF";

    /// <summary>The cluster whose destinations take the session's access token (its audience is the silo API).</summary>
    public const string ApiCluster = "silo";

    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    /// <summary>An access token that expires sooner than this is refreshed before it is forwarded.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromSeconds(60);

    public static readonly string[] Scopes = ["openid", "profile", "email", "offline_access", "api"];

    public static bool IsUnsafe(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    public static bool HasCsrfHeader(HttpRequest request) =>
        request.Headers.TryGetValue(CsrfHeader, out var value) && value.Count == 1 && value[0] == "1";
}
