using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SaaSReference.Database.Hosting;
using SaaSReference.Database.Keys;
using SaaSReference.Database.Quotas;
using SaaSReference.Gateway.Extensions;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>Wiring of the gateway's admission control: per-tenant rate limits and frozen tenants (12.1.3a-c).</summary>
public static class RateLimitingExtensions
{
    public static void AddGatewayRateLimiting(this WebApplicationBuilder builder, GatewayRateLimitingOptions rateLimiting)
    {
        ArgumentNullException.ThrowIfNull(rateLimiting);
        if (!rateLimiting.Enabled)
        {
            Console.Error.WriteLine("warning: Gateway:RateLimiting:Enabled is false; no tenant is rate limited or refused when frozen at the gateway.");
            return;
        }
        if (!builder.AddPlatformDataSource())
        {
            // Closed, not open: a gateway that silently admitted everyone would be a gap nobody notices.
            throw new InvalidOperationException(
                "Gateway:RateLimiting:Enabled is true (the default), so ConnectionStrings:platform is required (tenant limits and " +
                "standings). Set Gateway:RateLimiting:Enabled to false only for a gateway that is a pure proxy.");
        }

        var services = builder.Services;
        // platform.tenant_limits and friends must exist before the watcher's first load (registered once, whoever asks).
        services.AddSchemaMigration();
        services.AddPlatformLimits();
        services.TryAddSingleton<SigningKeyStore>();
        services.TryAddSingleton<SigningKeyCache>();
        services.AddSingleton<CallerResolver>();
        services.AddSingleton<AdmissionLimiter>();
        services.AddSingleton<RejectionCounter>();
        services.AddSingleton<GatewayMetrics>();
        services.AddHostedService<RejectionFlushService>();
        services.AddHealthChecks().AddCheck<StandingsLoadedCheck>("platform-limits");
    }

    public static bool IsRateLimitingEnabled(this IApplicationBuilder app) =>
        app.ApplicationServices.GetService<AdmissionLimiter>() is not null;

    /// <summary>Goes first in the proxy pipeline: a refused request is never forwarded.</summary>
    public static IReverseProxyApplicationBuilder UseTenantAdmission(this IReverseProxyApplicationBuilder pipeline)
    {
        if (pipeline.IsRateLimitingEnabled())
        {
            pipeline.UseMiddleware<TenantAdmissionMiddleware>();
        }
        return pipeline;
    }
}

/// <summary>Not ready until the tenants' standings are loaded: before that every /api request would get 503.</summary>
internal sealed class StandingsLoadedCheck(PlatformLimitsWatcher watcher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(watcher.Loaded.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The tenants' limits and standings are not loaded yet."));
}
