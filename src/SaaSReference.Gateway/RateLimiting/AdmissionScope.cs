namespace SaaSReference.Gateway.RateLimiting;

/// <summary>Which forwarded requests the admission control counts (12.1.3b).</summary>
public enum AdmissionScope
{
    /// <summary>Not limited here: sign-in pages and the rest of the identity service.</summary>
    None,

    /// <summary>
    /// <c>/api/*</c> and <c>/dashboard/*</c> (the silos' Orleans dashboard): charged to the caller's tenant, or to the
    /// staff member or client address; a frozen tenant is refused.
    /// </summary>
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

    /// <summary>The silos' Orleans dashboard (9.4.4b): admitted like the API, so anonymous floods are limited per address.</summary>
    public const string DashboardPrefix = "/dashboard";

    public const string TokenEndpoint = "/identity/connect/token";

    /// <summary>Case-insensitive, as the destinations' routing is.</summary>
    public static AdmissionScope Of(PathString path) =>
        path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments(DashboardPrefix, StringComparison.OrdinalIgnoreCase) ? AdmissionScope.Api
        : path.StartsWithSegments(TokenEndpoint, StringComparison.OrdinalIgnoreCase) ? AdmissionScope.TokenEndpoint
        : AdmissionScope.None;
}
