using Orleans.Runtime;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Grains.Tenants;

/// <summary>
/// The tenant grain's counting (12.1.3a-c): requests reported by the silos, stored bytes reserved before writes,
/// and the abuse policy's judgement of each window of refusals.
/// </summary>
public sealed partial class TenantGrain
{
    public static readonly TimeSpan UsageFlushInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RateHorizon = TimeSpan.FromSeconds(10);

    // Not persisted: what each silo reported last, for the current rate and concurrency.
    private readonly Dictionary<string, UsageReport> _lastReports = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, long Requests)> _recent = new();
    private DateTimeOffset _lastUsageWrite;

    public async Task<UsageVerdict> ReportUsageAsync(UsageReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!state.RecordExists)
        {
            return new UsageVerdict(false, 0, 0);
        }
        var now = time.GetUtcNow();
        RollDay(now);
        state.State.RequestsToday += Math.Max(0, report.Requests);
        state.State.RejectedToday += Math.Max(0, report.Rejected);
        _lastReports[report.Silo] = report;
        _recent.Enqueue((now, Math.Max(0, report.Requests)));
        while (_recent.Count > 0 && now - _recent.Peek().At > RateHorizon)
        {
            _recent.Dequeue();
        }
        if (now - _lastUsageWrite >= UsageFlushInterval)
        {
            _lastUsageWrite = now;
            await state.WriteStateAsync();
        }
        var daily = EffectiveLimits().RequestsPerDay;
        return new UsageVerdict(state.State.RequestsToday >= daily, state.State.RequestsToday, daily);
    }

    public async Task<StorageReservation> ReserveStorageAsync(long deltaBytes)
    {
        if (!state.RecordExists)
        {
            return new StorageReservation(false, 0, 0, $"No tenant has id '{TenantId}'.");
        }
        var quota = EffectiveLimits().StorageBytes;
        var stored = state.State.StoredBytes;
        // Freeing is always allowed; growing only within the quota (12.1.3b).
        if (deltaBytes > 0 && stored + deltaBytes > quota)
        {
            return new StorageReservation(false, stored, quota,
                $"Storing {deltaBytes} more bytes would exceed the tenant's storage quota: {stored} of {quota} bytes are in use.");
        }
        state.State.StoredBytes = Math.Max(0, stored + deltaBytes);
        await state.WriteStateAsync();
        return new StorageReservation(true, state.State.StoredBytes, quota);
    }

    public async Task<TenantChangeResult> RecordRejectionsAsync(DateTimeOffset windowStart, long rejected)
    {
        if (!state.RecordExists)
        {
            return new(TenantChangeOutcome.NotFound, null);
        }
        var s = state.State;
        // Each window is judged once, in order, even if the monitor delivers it again after a failover.
        if (windowStart <= s.LastJudgedWindow)
        {
            return new(TenantChangeOutcome.Unchanged, Standing());
        }
        var policy = Settings.Abuse;
        var windowsApart = s.LastViolationWindow == default ? long.MaxValue : (windowStart - s.LastViolationWindow).Ticks / policy.Window.Ticks;
        s.LastJudgedWindow = windowStart;
        if (rejected > policy.RejectionsPerWindow)
        {
            s.ConsecutiveViolations = windowsApart == 1 ? s.ConsecutiveViolations + 1 : 1;
            s.LastViolationWindow = windowStart;
            if (s.Status == TenantStatus.Active && s.ConsecutiveViolations >= policy.ViolationsToThrottle)
            {
                s.ConsecutiveViolations = 0;
                await ApplyStatusAsync(TenantStatus.Throttled, StatusReason.Abuse,
                    $"Over its limits in {policy.ViolationsToThrottle} windows of {policy.Window.TotalSeconds:0} s in a row ({rejected} requests refused in the last).",
                    AbusePolicyActor, null);
                return new(TenantChangeOutcome.Changed, Standing());
            }
            if (s.Status == TenantStatus.Throttled && s.ConsecutiveViolations >= policy.ViolationsToFreeze)
            {
                s.ConsecutiveViolations = 0;
                await ApplyStatusAsync(TenantStatus.Frozen, StatusReason.Abuse,
                    $"Still over its limits while throttled, in {policy.ViolationsToFreeze} windows in a row ({rejected} requests refused in the last).",
                    AbusePolicyActor, null);
                return new(TenantChangeOutcome.Changed, Standing());
            }
        }
        else if (s.Status == TenantStatus.Throttled && s.Reason == StatusReason.Abuse
            && windowStart - s.LastViolationWindow >= policy.ThrottleCooldown)
        {
            await ApplyStatusAsync(TenantStatus.Active, StatusReason.Restored,
                $"No violation for {policy.ThrottleCooldown.TotalMinutes:0.#} minutes.", AbusePolicyActor, null);
            return new(TenantChangeOutcome.Changed, Standing());
        }
        await state.WriteStateAsync();
        return new(TenantChangeOutcome.Unchanged, Standing());
    }

    public Task<TenantUsage?> GetUsageAsync()
    {
        if (!state.RecordExists)
        {
            return Task.FromResult<TenantUsage?>(null);
        }
        var now = time.GetUtcNow();
        RollDay(now);
        var horizonStart = now - RateHorizon;
        var recent = _recent.Where(r => r.At > horizonStart).Sum(r => r.Requests);
        var fresh = _lastReports.Values.Where(r => now - r.At <= TimeSpan.FromSeconds(5));
        var s = state.State;
        return Task.FromResult<TenantUsage?>(new TenantUsage(
            TenantId, s.Status, s.Plan, EffectiveLimits(), s.Overrides,
            CurrentRequestsPerSecond: recent / RateHorizon.TotalSeconds,
            s.RequestsToday, s.Day, s.RejectedToday, s.StoredBytes,
            ConcurrentOperations: fresh.Sum(r => r.ConcurrentNow),
            [.. s.History], platform.Configuration.Version));
    }

    private void RollDay(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (state.State.Day != today)
        {
            state.State.Day = today;
            state.State.RequestsToday = 0;
            state.State.RejectedToday = 0;
        }
    }
}
