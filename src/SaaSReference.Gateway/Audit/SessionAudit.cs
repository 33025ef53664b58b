using System.Security.Claims;
using SaaSReference.Database.Audit;
using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Audit;

/// <summary>
/// 9.1.2a, 12.4.3a: the gateway's authentication outcomes: a browser session started, a sign-in that came back failed,
/// a session ended. Queued, never waited for on the request path beyond the writer's back-pressure; nothing when the
/// gateway has no audit writer (a pure proxy, or Gateway:Audit:Enabled = false). A tenant user's records go into the
/// tenant's chain, staff's and unknown callers' into the platform's. Never a token, cookie or query string.
/// </summary>
public static class SessionAudit
{
    private const int MaxReasonLength = 200;

    public static ValueTask StartedAsync(HttpContext http, ClaimsPrincipal? user) =>
        RecordAsync(http, AuditEventTypes.GatewaySessionStarted, user, "success", new Dictionary<string, string>
        {
            ["amr"] = user is null ? "" : string.Join(' ', user.FindAll("amr").Select(c => c.Value).Distinct(StringComparer.Ordinal)),
        });

    public static ValueTask FailedAsync(HttpContext http, Exception? failure) =>
        RecordAsync(http, AuditEventTypes.GatewaySessionFailed, null, "failure", new Dictionary<string, string>
        {
            ["reason"] = Clip(failure?.Message ?? "unknown"),
        });

    public static ValueTask EndedAsync(HttpContext http, ClaimsPrincipal? user, string reason) =>
        RecordAsync(http, AuditEventTypes.GatewaySessionEnded, user, "success", new Dictionary<string, string> { ["reason"] = reason });

    private static ValueTask RecordAsync(HttpContext http, AuditEventType type, ClaimsPrincipal? user, string outcome, Dictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.RequestServices.GetService<RefusalAggregator>() is null || http.RequestServices.GetService<IAuditTrail>() is not { } trail)
        {
            return ValueTask.CompletedTask;
        }
        var client = Caller.Anonymous(http.Connection.RemoteIpAddress).Id;
        fields["client"] = client;
        var subject = user?.FindFirst("sub")?.Value;
        var tenant = user?.FindFirst("tenant_id")?.Value;
        tenant = Contracts.Tenants.TenantId.IsValid(tenant) ? tenant : null;
        return trail.EnqueueAsync(new AuditEvent(type, subject ?? "client:" + client, tenant, http.Request.Path.Value ?? "", outcome, fields),
            http.RequestAborted);
    }

    private static string Clip(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= MaxReasonLength ? line : line[..MaxReasonLength];
    }
}
