using System.Globalization;
using System.Threading.RateLimiting;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// The <c>RateLimit-Policy</c> and <c>RateLimit</c> fields of the IETF httpapi draft "RateLimit header fields for
/// HTTP" (draft-ietf-httpapi-ratelimit-headers-10; structured-field lists), not the older
/// RateLimit-Limit/Remaining/Reset trio. A token bucket is stated as its burst <c>q</c> over the time <c>w</c> an
/// empty bucket takes to fill (rounded up, so a client that keeps to it never exceeds the rate), <c>r</c> as the
/// whole tokens left and <c>t</c> as the seconds until the next one.
/// </summary>
public static class RateLimitHeaders
{
    public const string PolicyField = "RateLimit-Policy";
    public const string Field = "RateLimit";

    /// <summary>The draft's problem type for a request over its quota (section 5.1).</summary>
    public const string QuotaExceededType = "https://iana.org/assignments/http-problem-types#quota-exceeded";

    public static string PolicyValue(LimitPolicy policy) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{policy.Name}\";q={policy.Burst};w={WindowSeconds(policy)}");

    /// <summary><c>t</c> is left out while the bucket is full: no more quota is coming.</summary>
    public static string Value(LimitPolicy policy, long remaining, int? resetSeconds) => resetSeconds is { } reset
        ? string.Create(CultureInfo.InvariantCulture, $"\"{policy.Name}\";r={remaining};t={reset}")
        : string.Create(CultureInfo.InvariantCulture, $"\"{policy.Name}\";r={remaining}");

    /// <summary>Seconds an empty bucket takes to fill again; at least 1 (the draft allows no sub-second window).</summary>
    public static int WindowSeconds(LimitPolicy policy) => CeilingSeconds(policy.Burst / policy.RequestsPerSecond);

    /// <summary>Seconds until one more token, at most.</summary>
    public static int NextTokenSeconds(LimitPolicy policy) => CeilingSeconds(1 / policy.RequestsPerSecond);

    /// <summary>Retry-After of a refused lease: its RetryAfter metadata in whole seconds, at least 1.</summary>
    public static int RetryAfterSeconds(RateLimitLease lease, LimitPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? CeilingSeconds(retryAfter.TotalSeconds)
            : NextTokenSeconds(policy);
    }

    /// <summary>Adds the fields (appended: a destination may report quota policies of its own).</summary>
    public static void Append(IHeaderDictionary headers, LimitPolicy policy, long remaining, int? resetSeconds)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.Append(PolicyField, PolicyValue(policy));
        headers.Append(Field, Value(policy, remaining, resetSeconds));
    }

    private static int CeilingSeconds(double seconds) =>
        double.IsFinite(seconds) ? (int)Math.Clamp(Math.Ceiling(seconds), 1, int.MaxValue) : int.MaxValue;
}
