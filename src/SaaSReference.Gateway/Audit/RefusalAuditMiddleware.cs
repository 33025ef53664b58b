using SaaSReference.Database.Audit;
using SaaSReference.Gateway.RateLimiting;
using Yarp.ReverseProxy.Model;

namespace SaaSReference.Gateway.Audit;

/// <summary>
/// 9.1.2a, 12.1.3c, 12.4.3a: after every request, counts a refusal into <see cref="RefusalAggregator"/>: 401 and 403
/// (the gateway's own, e.g. no session or no CSRF header, and a destination's, e.g. the silo's answer to a bad or
/// absent bearer token or a failed authorization), 429, and the admission control's frozen (403) and terminated
/// (410) refusals. Counting is an in-memory increment: the response is never held up by the audit trail.
/// </summary>
internal sealed class RefusalAuditMiddleware(RequestDelegate next, RefusalAggregator aggregator)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        var status = context.Response.StatusCode;
        var admission = context.Features.Get<AdmissionAuditFeature>();
        var refusal = admission?.Refusal ?? AdmissionRefusal.None;
        if (refusal == AdmissionRefusal.None && status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
            or StatusCodes.Status429TooManyRequests))
        {
            return;
        }
        var type = refusal is AdmissionRefusal.Frozen or AdmissionRefusal.Terminated
            ? AuditEventTypes.GatewayFrozenRefused
            : AuditEventTypes.GatewayDenied;
        var source = refusal != AdmissionRefusal.None ? RefusalSources.Admission
            : context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is not null ? RefusalSources.Proxy
            : RefusalSources.Gateway;
        // The caller the admission control validated; otherwise (outside /api, or without admission control) the
        // client address, never anything taken from the request's headers.
        var caller = admission?.Caller ?? Caller.Anonymous(context.Connection.RemoteIpAddress);
        var (path, pathTenant) = RefusalPaths.Of(context.Request.Path.Value);
        aggregator.Record(type, caller, status, path, pathTenant, source);
    }
}
