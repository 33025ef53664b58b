using Microsoft.Extensions.Options;
using SaaSReference.Database.Quotas;
using SaaSReference.Gateway.Audit;
using SaaSReference.Gateway.Extensions;
using SaaSReference.ServiceDefaults.Telemetry;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// First step of the proxy pipeline: decides, before anything is forwarded, whether a request may go on.
/// A frozen tenant is refused (12.1.3c) and a caller over its limit gets 429 (12.1.3b), both answered here, so the
/// silos never see those requests. The tenants' standings come from <see cref="PlatformLimitsWatcher"/>, which
/// PostgreSQL notifies of every change: a freeze or a plan change applies here within a second.
/// </summary>
internal sealed class TenantAdmissionMiddleware(
    RequestDelegate next,
    CallerResolver callers,
    AdmissionLimiter limiter,
    PlatformLimitsWatcher watcher,
    RejectionCounter rejections,
    GatewayMetrics metrics,
    IOptionsMonitor<GatewayOptions> options)
{
    /// <summary>The span attribute that names the caller's tenant, on the gateway's and the silo's spans alike.</summary>
    public const string TenantTraceTag = TenantTelemetry.Attribute;

    public async Task InvokeAsync(HttpContext context)
    {
        // A tenant named in the client's own baggage header labels nothing: only the validated caller's below does.
        TenantTelemetry.Mark(System.Diagnostics.Activity.Current, null);
        var scope = AdmissionScopes.Of(context.Request.Path);
        if (scope == AdmissionScope.None)
        {
            await next(context);
            return;
        }
        var settings = options.CurrentValue.RateLimiting;
        // Until the first load this gateway cannot tell a frozen tenant from any other: closed, not open.
        if (!await StandingsLoadedAsync(settings.StartupWait, context.RequestAborted))
        {
            await AdmissionProblems.LimitsUnavailableAsync(context);
            return;
        }

        var caller = scope == AdmissionScope.Api
            ? await callers.ResolveAsync(context)
            : Caller.Anonymous(context.Connection.RemoteIpAddress);
        // 12.4.3a: the validated caller, for the audit of a refusal here or further on (RefusalAuditMiddleware).
        var audit = new AdmissionAuditFeature(caller);
        context.Features.Set(audit);
        var standing = caller.TenantId is { } tenantId ? watcher.Find(tenantId) : null;
        // Traces carry the tenant of the validated caller (12.4.3a), so a trace can be found per tenant.
        TenantTelemetry.Mark(System.Diagnostics.Activity.Current, caller.TenantId);
        var terminated = standing?.Status == Contracts.Tenants.TenantStatus.Terminated;
        if (standing is { IsFrozen: true } && !FrozenTenantAccess.Allows(context.Request.Method, context.Request.Path, standing.TenantId, terminated))
        {
            metrics.Rejected(caller, GatewayMetrics.ReasonFrozen);
            audit.Refusal = terminated ? AdmissionRefusal.Terminated : AdmissionRefusal.Frozen;
            await (terminated
                ? AdmissionProblems.TenantTerminatedAsync(context, standing.TenantId)
                : AdmissionProblems.TenantFrozenAsync(context, standing.TenantId));
            return;
        }

        var policy = LimitPolicy.For(caller, standing, watcher.Configuration.Settings, settings);
        using (var lease = limiter.Acquire(policy))
        {
            if (!lease.IsAcquired)
            {
                if (caller.TenantId is { } rejectedTenant)
                {
                    rejections.Record(rejectedTenant);
                }
                metrics.Rejected(caller, GatewayMetrics.ReasonRate);
                audit.Refusal = AdmissionRefusal.RateLimited;
                await AdmissionProblems.TooManyRequestsAsync(context, caller, policy, RateLimitHeaders.RetryAfterSeconds(lease, policy));
                return;
            }
        }

        metrics.Admitted(caller);
        var remaining = limiter.Remaining(policy);
        int? reset = remaining < policy.Burst ? RateLimitHeaders.NextTokenSeconds(policy) : null;
        context.Response.OnStarting(() =>
        {
            // At the start of the response, after the destination's headers were copied: appended, not replaced.
            RateLimitHeaders.Append(context.Response.Headers, policy, remaining, reset);
            return Task.CompletedTask;
        });
        await next(context);
    }

    private async ValueTask<bool> StandingsLoadedAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var loaded = watcher.Loaded;
        if (loaded.IsCompleted)
        {
            return true;
        }
        try
        {
            await loaded.WaitAsync(wait, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
