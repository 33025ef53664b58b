using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>The gateway's own refusals, as RFC 9457 problem details; none of them reaches a destination.</summary>
public static class AdmissionProblems
{
    public const string BaseUri = "https://saasreference.local/problems/";
    public const string TenantFrozenType = BaseUri + "tenant-frozen";
    public const string TenantTerminatedType = BaseUri + "tenant-terminated";
    public const string LimitsUnavailableType = BaseUri + "limits-unavailable";

    /// <summary>429 with Retry-After and the RateLimit fields (12.1.3b).</summary>
    public static Task TooManyRequestsAsync(HttpContext context, Caller caller, LimitPolicy policy, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        RateLimitHeaders.Append(context.Response.Headers, policy, 0, retryAfterSeconds);
        var limit = string.Create(CultureInfo.InvariantCulture,
            $"{policy.RequestsPerSecond:0.###} requests per second with bursts of up to {policy.Burst} (per gateway instance)");
        var detail = caller.Kind switch
        {
            CallerKind.Tenant => $"Tenant '{caller.Id}' is over its limit of {limit}. Retry after {retryAfterSeconds} s.",
            CallerKind.Staff => $"Platform staff are limited to {limit} each. Retry after {retryAfterSeconds} s.",
            _ => $"Requests without a valid access token are limited to {limit} per client address. Retry after {retryAfterSeconds} s.",
        };
        return WriteAsync(context, StatusCodes.Status429TooManyRequests, RateLimitHeaders.QuotaExceededType, "Too many requests", detail,
            new Dictionary<string, object?> { ["violated-policies"] = new[] { policy.Name } });
    }

    /// <summary>403 for a frozen or terminated tenant outside its read-only paths (12.1.3c).</summary>
    public static Task TenantFrozenAsync(HttpContext context, string tenantId) => WriteAsync(context,
        StatusCodes.Status403Forbidden, TenantFrozenType, "Tenant frozen",
        $"Tenant '{tenantId}' is frozen: its requests are refused except reading its status and usage and exporting its data. " +
        "Contact the platform operator.",
        new Dictionary<string, object?> { ["tenantId"] = tenantId });

    /// <summary>8.1.5d: a terminated tenant's data is destroyed for good: 410, not a freeze that could be lifted.</summary>
    public static Task TenantTerminatedAsync(HttpContext context, string tenantId) => WriteAsync(context,
        StatusCodes.Status410Gone, TenantTerminatedType, "Tenant terminated",
        $"Tenant '{tenantId}' was terminated: its data key was destroyed and its storage dropped; only its status, usage and termination record can be read.",
        new Dictionary<string, object?> { ["tenantId"] = tenantId });

    /// <summary>503 while this gateway has not yet loaded the tenants' standings: it cannot tell who is frozen.</summary>
    public static Task LimitsUnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LimitsUnavailableType, "Service starting",
            "This gateway is still loading the tenants' limits. Retry shortly.", null);
    }

    private static Task WriteAsync(HttpContext context, int status, string type, string title, string detail, IDictionary<string, object?>? extensions)
    {
        context.Response.Headers[HeaderNames.CacheControl] = "no-store";
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type, extensions: extensions).ExecuteAsync(context);
    }
}
