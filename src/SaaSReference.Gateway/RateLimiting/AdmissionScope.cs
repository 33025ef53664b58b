namespace SaaSReference.Gateway.RateLimiting;

/// <summary>Which forwarded requests the admission control counts (12.1.3b).</summary>
public enum AdmissionScope
{
    /// <summary>Not limited here: sign-in pages and the rest of the identity service.</summary>
    None,

    /// <summary><c>/api/*</c>: charged to the caller's tenant; a frozen tenant is refused.</summary>
    Api,

    /// <summary>
    /// The token endpoint, where machine clients trade their secret for a token: the tenant is not known before the
    /// token is issued, so it is limited per client address. Also slows down guessing of client secrets.
    /// </summary>
    TokenEndpoint,
}

public static class AdmissionScopes
{
    public const string ApiPrefix = "/api";
    public const string TokenEndpoint = "/identity/connect/token";

    /// <summary>Case-insensitive, as the destinations' routing is.</summary>
    public static AdmissionScope Of(PathString path) =>
        path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase) ? AdmissionScope.Api
        : path.StartsWithSegments(TokenEndpoint, StringComparison.OrdinalIgnoreCase) ? AdmissionScope.TokenEndpoint
        : AdmissionScope.None;
}
