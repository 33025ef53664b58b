using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// The token bucket a request takes its token from: <see cref="Name"/> is the policy as the RateLimit headers name
/// it, <see cref="Partition"/> whose bucket it is. The limits are part of the key on purpose: when a tenant's plan,
/// overrides or status change, its next request lands in a fresh bucket of the new size at once, and the old bucket,
/// idle, is dropped by the partitioned limiter (12.1.3c: a plan change takes effect everywhere within the time
/// the watcher takes to hear of it).
/// </summary>
public readonly record struct LimitPolicy(string Name, string Partition, double RequestsPerSecond, int Burst)
{
    public const string TenantPolicy = "tenant";
    public const string StaffPolicy = "staff";
    public const string AnonymousPolicy = "anonymous";

    /// <summary>The time one token takes to come back.</summary>
    public TimeSpan TokenInterval => TimeSpan.FromTicks(Math.Max(1, (long)(TimeSpan.TicksPerSecond / RequestsPerSecond)));

    /// <summary>
    /// The bucket of <paramref name="caller"/>. A tenant gets its effective limits (plan, overrides, throttle); a
    /// tenant the platform does not know (no row yet) the default plan's. With several gateway instances each
    /// enforces its share (<see cref="GatewayRateLimitingOptions.GatewayInstances"/>).
    /// </summary>
    public static LimitPolicy For(Caller caller, TenantStanding? standing, PlatformSettings settings, GatewayRateLimitingOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        switch (caller.Kind)
        {
            case CallerKind.Tenant:
                var limits = (standing ?? Unknown(caller.Id, settings)).EffectiveLimits(settings);
                var instances = Math.Max(1, options.GatewayInstances);
                return Create(TenantPolicy, "tenant:" + caller.Id,
                    limits.RequestsPerSecond / instances, (int)Math.Ceiling(limits.Burst / (double)instances));
            case CallerKind.Staff:
                return Create(StaffPolicy, "staff:" + caller.Id, options.Staff.RequestsPerSecond, options.Staff.Burst);
            default:
                return Create(AnonymousPolicy, "ip:" + caller.Id, options.Anonymous.RequestsPerSecond, options.Anonymous.Burst);
        }
    }

    private static LimitPolicy Create(string name, string partition, double requestsPerSecond, int burst) =>
        new(name, partition, Math.Max(requestsPerSecond, 0.001), Math.Max(burst, 1));

    private static TenantStanding Unknown(string tenantId, PlatformSettings settings) =>
        new(tenantId, TenantStatus.Active, StatusReason.None, settings.DefaultPlan, QuotaOverrides.None, 0);
}
