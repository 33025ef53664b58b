using System.Collections.Immutable;

namespace SaaSReference.Contracts.Quotas;

/// <summary>
/// When a tenant that keeps exceeding its limits is throttled and then frozen (12.1.3c, 12.2.1b). Time is cut
/// into windows of <see cref="Window"/>; a window in which more than <see cref="RejectionsPerWindow"/> of the
/// tenant's requests were refused for its limits is a violation. <see cref="ViolationsToThrottle"/> violations
/// in a row throttle an active tenant (its rate is multiplied by <see cref="ThrottledRateFactor"/>);
/// <see cref="ViolationsToFreeze"/> more in a row while throttled freeze it. A throttled tenant with no
/// violation for <see cref="ThrottleCooldown"/> becomes active again on its own; a frozen one never does.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AbusePolicy(
    [property: Id(0)] TimeSpan Window,
    [property: Id(1)] int RejectionsPerWindow,
    [property: Id(2)] int ViolationsToThrottle,
    [property: Id(3)] int ViolationsToFreeze,
    [property: Id(4)] double ThrottledRateFactor,
    [property: Id(5)] TimeSpan ThrottleCooldown);

/// <summary>
/// The platform configuration that a version holds (12.1.2g): plans, abuse policy and the over-commit rule.
/// Every change is a new version, approved by a second person; the previous versions stay and any can be
/// restored the same way.
/// </summary>
/// <param name="Plans">The tiers tenants can be on; names are unique.</param>
/// <param name="DefaultPlan">The plan of a new tenant.</param>
/// <param name="Abuse">When tenants are throttled and frozen automatically.</param>
/// <param name="CapacityRequestsPerSecond">The platform's measured capacity (load/ measures it).</param>
/// <param name="OverCommitRatio">
/// 12.1.3f: the sum of all tenants' guaranteed rates may exceed the capacity by at most this factor.
/// </param>
/// <param name="ApprovalLifetime">How long a change request waits for its approval before it is stale.</param>
[GenerateSerializer, Immutable]
public sealed record PlatformSettings(
    [property: Id(0)] ImmutableArray<PlanDefinition> Plans,
    [property: Id(1)] string DefaultPlan,
    [property: Id(2)] AbusePolicy Abuse,
    [property: Id(3)] double CapacityRequestsPerSecond,
    [property: Id(4)] double OverCommitRatio,
    [property: Id(5)] TimeSpan ApprovalLifetime)
{
    /// <summary>The first version a new platform starts with.</summary>
    public static PlatformSettings Defaults { get; } = new(
        [
            new PlanDefinition("basic", "Basic", new QuotaLimits(10, 20, 50_000, 100L << 20, 4, 10, 2)),
            new PlanDefinition("standard", "Standard", new QuotaLimits(50, 100, 500_000, 1L << 30, 16, 100, 10)),
            new PlanDefinition("premium", "Premium", new QuotaLimits(200, 400, 5_000_000, 10L << 30, 64, 1_000, 50)),
        ],
        DefaultPlan: "basic",
        Abuse: new AbusePolicy(TimeSpan.FromSeconds(10), RejectionsPerWindow: 100, ViolationsToThrottle: 3, ViolationsToFreeze: 3,
            ThrottledRateFactor: 0.5, ThrottleCooldown: TimeSpan.FromMinutes(10)),
        CapacityRequestsPerSecond: 2_000,
        OverCommitRatio: 10,
        ApprovalLifetime: TimeSpan.FromHours(24));

    /// <summary>The plan called <paramref name="name"/>, or null.</summary>
    public PlanDefinition? FindPlan(string? name) =>
        Plans.FirstOrDefault(plan => string.Equals(plan.Name, name, StringComparison.Ordinal));

    /// <summary>The rate the platform may promise all tenants together (12.1.3f).</summary>
    public double GuaranteeBudget => CapacityRequestsPerSecond * OverCommitRatio;
}

/// <summary>One stored version of <see cref="PlatformSettings"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record PlatformConfigurationVersion(
    [property: Id(0)] int Version,
    [property: Id(1)] PlatformSettings Settings,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] string RequestedBy,
    [property: Id(4)] string? ApprovedBy,
    [property: Id(5)] string Note);
