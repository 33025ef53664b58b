using SaaSReference.Database.Keys;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// <c>Gateway:RateLimiting</c>: admission of <c>/api/*</c> and of the token endpoint (12.1.3b/c). A tenant's own
/// limits come from its plan (<c>platform.tenant_limits</c>, <c>platform.configuration_versions</c>), not from here.
/// </summary>
public sealed class GatewayRateLimitingOptions
{
    /// <summary>On by default; needs <c>ConnectionStrings:platform</c>. Off only for a gateway that is a pure proxy.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many gateway instances share the traffic. Each instance enforces its share of a tenant's plan: the rate
    /// and the burst divided by this number (a tenant's requests are spread over the instances by the load balancer
    /// in front), so the plan holds for the whole platform, not per instance.
    /// </summary>
    public int GatewayInstances { get; set; } = 1;

    /// <summary>Platform staff (a valid token with a platform role and no tenant), per subject, per instance.</summary>
    public BucketOptions Staff { get; set; } = new() { RequestsPerSecond = 50, Burst = 100 };

    /// <summary>
    /// Requests without a valid token or session (and every token-endpoint request), per client address (IPv6: per
    /// /64), per instance. Generous: many people may share one address.
    /// </summary>
    public BucketOptions Anonymous { get; set; } = new() { RequestsPerSecond = 100, Burst = 200 };

    /// <summary>The issuer of the access tokens; empty: <c>Gateway:Identity:Authority</c>. Neither: no token is trusted.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience the access tokens must carry (the silo API's).</summary>
    public string Audience { get; set; } = AccessTokenParameters.DefaultAudience;

    /// <summary>How long a request waits for the first load of the tenants' standings before it is answered 503.</summary>
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>A token bucket: <see cref="RequestsPerSecond"/> sustained, up to <see cref="Burst"/> at once.</summary>
public sealed class BucketOptions
{
    public double RequestsPerSecond { get; set; }

    public int Burst { get; set; }

    public bool IsValid => RequestsPerSecond > 0 && Burst >= 1;
}
