using System.Globalization;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Database.Quotas;

/// <summary>
/// The answer of <see cref="CapacityPlanner"/>: whether a change may be made, with the numbers behind it
/// (guaranteed requests per second of all tenants, before and after, against capacity × over-commit ratio).
/// </summary>
public sealed record CapacityCheck(bool Admitted, double GuaranteedBefore, double GuaranteedAfter, double Capacity, double OverCommitRatio, string? Problem = null)
{
    public double Budget => Capacity * OverCommitRatio;

    /// <summary>The numbers in words, for a problem detail or an outcome.</summary>
    public string Describe() => Problem ?? string.Create(CultureInfo.InvariantCulture,
        $"The tenants' guaranteed rates would total {GuaranteedAfter:0.##} requests/s (now {GuaranteedBefore:0.##}); the platform may promise at most {Budget:0.##} (capacity {Capacity:0.##} requests/s × over-commit ratio {OverCommitRatio:0.##}).");
}

/// <summary>
/// 12.1.3f: logical resources may exceed physical ones only by the configured over-commit ratio. The sum of every
/// tenant's guaranteed rate (terminated tenants excepted) may not exceed <see cref="PlatformSettings.GuaranteeBudget"/>;
/// a plan change, a quota override, a configuration change or a new tenant that would break that is refused.
/// </summary>
/// <remarks>
/// A throttled or frozen tenant counts with its full rate: throttling and freezing are temporary, and the rate it
/// returns to is still promised. A change that raises no tenant's rate and lowers no budget is always admitted, so
/// a platform already over its budget (after a capacity re-measurement) can still be brought back under it.
/// The check and the change are not one transaction: two approvals at the same instant can both pass; approvals
/// are rare human decisions, and the next change is measured against the true sum again.
/// </remarks>
public sealed class CapacityPlanner(TenantLimitsStore tenants, PlatformConfigurationStore configuration, TimeProvider time)
{
    /// <summary>The rate the platform guarantees <paramref name="standing"/> under <paramref name="settings"/>.</summary>
    public static double GuaranteedRate(TenantStanding standing, PlatformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(standing);
        return standing.Status == TenantStatus.Terminated
            ? 0
            : (standing with { Status = TenantStatus.Active }).EffectiveLimits(settings).RequestsPerSecond;
    }

    /// <summary>
    /// Compares the platform as it is (<paramref name="standings"/> under <paramref name="current"/>) with the platform
    /// after the change: <paramref name="changed"/> in place of (or added to) its stored standing, under
    /// <paramref name="proposed"/>, plus <paramref name="addedRate"/> for a tenant not created yet.
    /// </summary>
    public static CapacityCheck Evaluate(IEnumerable<TenantStanding> standings, PlatformSettings current, PlatformSettings proposed,
        TenantStanding? changed = null, double addedRate = 0)
    {
        ArgumentNullException.ThrowIfNull(standings);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(proposed);
        var before = 0.0;
        var after = addedRate;
        foreach (var standing in standings)
        {
            before += GuaranteedRate(standing, current);
            if (changed is null || !string.Equals(standing.TenantId, changed.TenantId, StringComparison.Ordinal))
            {
                after += GuaranteedRate(standing, proposed);
            }
        }
        if (changed is not null)
        {
            after += GuaranteedRate(changed, proposed);
        }
        var admitted = after <= proposed.GuaranteeBudget
            || (after <= before + 1e-9 && proposed.GuaranteeBudget >= current.GuaranteeBudget);
        return new CapacityCheck(admitted, before, after, proposed.CapacityRequestsPerSecond, proposed.OverCommitRatio);
    }

    /// <summary>Whether <paramref name="proposed"/> (a tenant's new plan or overrides) fits under <paramref name="settings"/>.</summary>
    public async Task<CapacityCheck> CheckTenantAsync(TenantStanding proposed, PlatformSettings settings, CancellationToken cancellationToken = default) =>
        Evaluate(await tenants.ListAsync(cancellationToken), settings, settings, proposed);

    /// <summary>Whether the tenants as they are fit under <paramref name="proposed"/> settings.</summary>
    public async Task<CapacityCheck> CheckConfigurationAsync(PlatformSettings current, PlatformSettings proposed, CancellationToken cancellationToken = default) =>
        Evaluate(await tenants.ListAsync(cancellationToken), current, proposed);

    /// <summary>
    /// Whether a new tenant on <paramref name="plan"/> (the default plan when null) fits under the current
    /// configuration; an unknown plan is not admitted.
    /// </summary>
    public async Task<CapacityCheck> CanAdmitNewTenantAsync(string? plan = null, CancellationToken cancellationToken = default)
    {
        var settings = (await configuration.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken)).Settings;
        var all = await tenants.ListAsync(cancellationToken);
        if (settings.FindPlan(plan ?? settings.DefaultPlan) is not { } definition)
        {
            var check = Evaluate(all, settings, settings);
            return check with { Admitted = false, Problem = $"There is no plan '{plan}'." };
        }
        return Evaluate(all, settings, settings, addedRate: definition.Limits.RequestsPerSecond);
    }
}
