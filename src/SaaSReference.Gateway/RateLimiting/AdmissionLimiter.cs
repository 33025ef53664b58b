using System.Threading.RateLimiting;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// One token bucket per <see cref="LimitPolicy"/> (System.Threading.RateLimiting). No queueing: a request over the
/// limit is answered 429 at once rather than held in the gateway's memory. The partitioned limiter tops every
/// bucket up every 100 ms by the time elapsed (fractional tokens, so any rate works) and disposes of buckets that
/// have been full, hence unused, for 10 s.
/// </summary>
internal sealed class AdmissionLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<LimitPolicy> _limiter =
        PartitionedRateLimiter.Create<LimitPolicy, LimitPolicy>(policy => RateLimitPartition.GetTokenBucketLimiter(policy, Options));

    public RateLimitLease Acquire(LimitPolicy policy) => _limiter.AttemptAcquire(policy);

    /// <summary>Whole tokens left in the policy's bucket.</summary>
    public long Remaining(LimitPolicy policy) => Math.Max(0, _limiter.GetStatistics(policy)?.CurrentAvailablePermits ?? 0);

    public void Dispose() => _limiter.Dispose();

    private static TokenBucketRateLimiterOptions Options(LimitPolicy policy) => new()
    {
        TokenLimit = policy.Burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = policy.TokenInterval,
        QueueLimit = 0,
        AutoReplenishment = false,
    };
}
