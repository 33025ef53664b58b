using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using SaaSReference.Gateway.Apis;
using SaaSReference.Gateway.Audit;
using SaaSReference.Gateway.Http;
using SaaSReference.Gateway.Https;
using SaaSReference.Gateway.Proxy;
using SaaSReference.Gateway.RateLimiting;
using SaaSReference.Gateway.Session;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace SaaSReference.Gateway.Extensions;

/// <summary>Wiring of the gateway: the single public entry point in front of the identity service and the silos.</summary>
public static class GatewayExtensions
{
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .Validate(o => o.MaxRequestBodyBytes > 0, "Gateway:MaxRequestBodyBytes must be positive.")
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero, "Gateway:ConnectTimeout must be positive.")
            .Validate(o => o.Retry.MaxAttempts >= 1, "Gateway:Retry:MaxAttempts must be at least 1.")
            .Validate(o => o.RateLimiting.GatewayInstances >= 1, "Gateway:RateLimiting:GatewayInstances must be at least 1.")
            .Validate(o => o.RateLimiting.Staff.IsValid && o.RateLimiting.Anonymous.IsValid,
                "Gateway:RateLimiting:Staff and :Anonymous need a positive RequestsPerSecond and a Burst of at least 1.")
            .Validate(o => o.RateLimiting.StartupWait >= TimeSpan.Zero, "Gateway:RateLimiting:StartupWait may not be negative.")
            .ValidateOnStart();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
        {
            // The Server header only tells an attacker what to try.
            kestrel.AddServerHeader = false;
            // Bodies sent without a Content-Length (chunked) are cut off by Kestrel at the same limit.
            kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBodyBytes;
        });

        // YARP's passive policy reads its window and thresholds from these options, not from the cluster config.
        services.Configure<TransportFailureRateHealthPolicyOptions>(
            builder.Configuration.GetSection($"{GatewayOptions.SectionName}:PassiveHealth"));

        var proxy = services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddTransforms(ForwardingTransforms.Apply);
        services.AddSingleton<IForwarderHttpClientFactory, GatewayForwarderHttpClientFactory>();

        // Read once at start: these decide what is registered at all, so they cannot change while running.
        var startup = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.AddGatewayHttps(startup.Https);
        // Without an authority the gateway stays a pure proxy: no cookie, no sign-in, nothing added to requests.
        if (startup.Identity.Enabled)
        {
            builder.AddGatewaySession(startup.Identity, proxy);
        }
        // After the session: its schema migration is registered once and runs before the limits are first read.
        builder.AddGatewayRateLimiting(startup.RateLimiting);
        // 12.4.3a, 9.1.2a, 12.1.3c: refusals (401, 403, 429, frozen/terminated) into the audit trail, aggregated.
        builder.AddGatewayAudit();

        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseGatewayHttps();
        // Explicitly after HSTS and the HTTPS redirect: the health endpoints short-circuit in the routing
        // middleware, which WebApplication would otherwise put first, and their HTTPS answers need HSTS too.
        app.UseRouting();
        app.UseProblemDetailsForErrors();
        app.UseMiddleware<RequestIdMiddleware>();
        // Outside everything that can refuse a request (session endpoints, the proxy and its admission control).
        app.UseGatewayAudit();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        var session = app.IsSessionEnabled();
        if (session)
        {
            // Handles the OpenID Connect callbacks; no default scheme, so no other request is authenticated here.
            app.UseAuthentication();
            app.UseAuthorization();
        }

        app.MapDefaultEndpoints();
        app.MapGatewayHealthApi();
        if (session)
        {
            app.MapSessionApi();
        }
        app.MapReverseProxy(pipeline =>
        {
            // 12.1.3b/c: frozen tenants and callers over their limit are answered here, never forwarded.
            pipeline.UseTenantAdmission();
            pipeline.UseMiddleware<ProxyErrorMiddleware>();
            pipeline.UseSessionAffinity();
            // Between affinity and load balancing: every attempt is balanced anew and seen by the passive check.
            pipeline.UseMiddleware<SafeRetryMiddleware>();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return app;
    }
}
