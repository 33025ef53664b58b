namespace SaaSReference.Identity.Account;

/// <summary>The routes of the sign-in pages, below the service's path base (<c>/identity</c>).</summary>
public static class AccountPaths
{
    public const string Home = "/account";
    public const string Tenant = "/account/tenant";
    public const string SignIn = "/account/signin";
    public const string ChangePassword = "/account/password";
    public const string MfaEnroll = "/account/mfa/enroll";
    public const string Mfa = "/account/mfa";
    public const string MfaRecovery = "/account/mfa/recovery";
    public const string SignOut = "/account/signout";
    public const string Authorize = "/connect/authorize";
    public const string EndSession = "/connect/endsession";

    /// <summary>A page of the flow, with the return URL carried along (it is the authorize request: nothing secret).</summary>
    public static string To(HttpRequest request, string path, string? returnUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = request.PathBase + path;
        return string.IsNullOrEmpty(returnUrl) ? target : target + "?returnUrl=" + Uri.EscapeDataString(returnUrl);
    }

    /// <summary>
    /// The return URL if it is a local path of this service, otherwise the account page: after sign-in the
    /// browser only ever goes back to <c>connect/authorize</c> or another page of ours (open redirects help phishing, 13.2.2d).
    /// </summary>
    public static string SafeReturnUrl(HttpRequest request, string? returnUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fallback = request.PathBase + Home;
        if (string.IsNullOrEmpty(returnUrl) || !IsLocal(returnUrl))
        {
            return fallback;
        }
        // Only URLs below our own path base: "/identity/connect/authorize?...", never another service's path.
        return request.PathBase.HasValue && !returnUrl.StartsWith(request.PathBase.Value + "/", StringComparison.OrdinalIgnoreCase)
            ? fallback
            : returnUrl;
    }

    // As Url.IsLocalUrl: a single leading slash, no "//" or "/\" (protocol-relative), no control characters.
    private static bool IsLocal(string url) =>
        url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);
}
