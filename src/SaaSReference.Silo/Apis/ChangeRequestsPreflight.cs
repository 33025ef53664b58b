using System.Text.Json;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Whether a change can be made to the platform as it is now: run when the change is requested and again when it
/// is approved, since the world may have changed in between (the tenant unfrozen already, a plan removed, the
/// configuration moved on, capacity used up by other tenants). The kind's input rules are checked here too, so a
/// stored request that somehow became invalid still cannot take effect.
/// </summary>
public sealed class ChangeRequestsPreflight(IGrainFactory grains, PlatformConfigurationStore configuration, TenantLimitsStore tenants, CapacityPlanner capacity,
    TenantRestores restores)
{
    /// <summary>Null when the change may be made against <paramref name="current"/>; otherwise why not.</summary>
    public async Task<ChangeRefusal?> CheckAsync(ChangeRequestKind kind, string? tenantId, ChangeRequestPayload payload,
        PlatformConfigurationVersion current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(current);
        if (payload.BaseVersion is { } baseVersion && baseVersion != current.Version)
        {
            return ChangeRefusal.Conflict(ChangeRequestsProblems.ConfigurationChanged, "The configuration changed since the request",
                $"The request was made against configuration version {baseVersion}; version {current.Version} is current now. Request the change again against it.");
        }
        return kind switch
        {
            ChangeRequestKind.Unfreeze => await CheckUnfreezeAsync(tenantId!),
            ChangeRequestKind.PlanChange => await CheckPlanAsync(tenantId!, payload.Plan, current.Settings, cancellationToken),
            ChangeRequestKind.QuotaOverride => await CheckOverridesAsync(tenantId!, payload.Overrides, current.Settings, cancellationToken),
            ChangeRequestKind.ConfigurationChange => await CheckSettingsAsync(payload.Settings, "payload.settings", current, cancellationToken),
            ChangeRequestKind.ConfigurationRollback => await CheckRollbackAsync(payload.Version, current, cancellationToken),
            ChangeRequestKind.TenantRestore => await CheckRestoreAsync(tenantId!, payload.BackupId, cancellationToken),
            // 8.1.5d: the tenant still exists and is not terminated; its termination's own state is checked when approved.
            ChangeRequestKind.TenantTermination => (await StandingAsync(tenantId!, allowTerminated: false)).Refusal,
            _ => ChangeRefusal.Field("kind", "Unknown kind."),
        };
    }

    // 12.3.1: the backup exists, is the tenant's own, of its region, its artifact is there and its key usable.
    private async Task<ChangeRefusal?> CheckRestoreAsync(string tenantId, Guid? backupId, CancellationToken cancellationToken)
    {
        var (_, refusal) = await StandingAsync(tenantId, allowTerminated: false);
        return refusal ?? await restores.CheckAsync(tenantId, backupId, cancellationToken);
    }

    private async Task<ChangeRefusal?> CheckUnfreezeAsync(string tenantId)
    {
        var (standing, refusal) = await StandingAsync(tenantId);
        return refusal ?? (standing!.Status == TenantStatus.Frozen
            ? null
            : ChangeRefusal.Conflict(ChangeRequestsProblems.NotApplicable, "Tenant is not frozen",
                $"Tenant '{tenantId}' is {Text(standing.Status)}; only a frozen tenant can be unfrozen."));
    }

    private async Task<ChangeRefusal?> CheckPlanAsync(string tenantId, string? plan, PlatformSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(plan))
        {
            return ChangeRefusal.Field("payload.plan", "A plan is required.");
        }
        if (settings.FindPlan(plan) is not { } definition)
        {
            return ChangeRefusal.Field("payload.plan", $"There is no plan '{Shorten(plan)}'; the plans are: {string.Join(", ", settings.Plans.Select(p => p.Name))}.");
        }
        var (standing, refusal) = await StandingAsync(tenantId, allowTerminated: false);
        if (refusal is not null)
        {
            return refusal;
        }
        if (standing!.Plan == plan)
        {
            return ChangeRefusal.Field("payload.plan", $"Tenant '{tenantId}' is on plan '{plan}' already.");
        }
        // The tenant's overrides stay: together with the new plan they must still make sense (burst >= rate).
        var combined = QuotaRules.Validate(standing.Overrides.ApplyTo(definition.Limits), "payload.plan");
        if (combined.Count > 0)
        {
            return ChangeRefusal.Fields(combined);
        }
        return await CapacityAsync(standing with { Plan = plan }, settings, cancellationToken);
    }

    private async Task<ChangeRefusal?> CheckOverridesAsync(string tenantId, QuotaOverrides? overrides, PlatformSettings settings, CancellationToken cancellationToken)
    {
        var errors = QuotaRules.Validate(overrides, "payload.overrides");
        if (errors.Count > 0)
        {
            return ChangeRefusal.Fields(errors);
        }
        var (standing, refusal) = await StandingAsync(tenantId, allowTerminated: false);
        if (refusal is not null)
        {
            return refusal;
        }
        var plan = settings.FindPlan(standing!.Plan) ?? settings.FindPlan(settings.DefaultPlan) ?? settings.Plans[0];
        errors = QuotaRules.Validate(overrides!.ApplyTo(plan.Limits), "payload.overrides");
        if (errors.Count > 0)
        {
            return ChangeRefusal.Fields(errors);
        }
        if (standing.Overrides == overrides)
        {
            return ChangeRefusal.Field("payload.overrides", $"Tenant '{tenantId}' has exactly these overrides already.");
        }
        return await CapacityAsync(standing with { Overrides = overrides }, settings, cancellationToken);
    }

    private async Task<ChangeRefusal?> CheckRollbackAsync(int? version, PlatformConfigurationVersion current, CancellationToken cancellationToken)
    {
        if (version is not { } wanted)
        {
            return ChangeRefusal.Field("payload.version", "The version to roll back to is required.");
        }
        if (wanted == current.Version)
        {
            return ChangeRefusal.Field("payload.version", $"Version {wanted} is the current version; there is nothing to roll back.");
        }
        if (wanted < 1 || await configuration.GetAsync(wanted, cancellationToken) is not { } target)
        {
            return ChangeRefusal.Field("payload.version", $"There is no configuration version {wanted}.");
        }
        return await CheckSettingsAsync(target.Settings, "payload.version", current, cancellationToken);
    }

    private async Task<ChangeRefusal?> CheckSettingsAsync(PlatformSettings? settings, string field, PlatformConfigurationVersion current, CancellationToken cancellationToken)
    {
        if (settings is null)
        {
            return ChangeRefusal.Field(field, "The whole configuration (plans, defaultPlan, abuse, capacityRequestsPerSecond, overCommitRatio, approvalLifetime) is required.");
        }
        var errors = QuotaRules.Validate(settings);
        if (errors.Count > 0)
        {
            return ChangeRefusal.Fields(errors.ToDictionary(error => $"{field}.{error.Key}", error => error.Value, StringComparer.Ordinal));
        }
        if (JsonSerializer.Serialize(settings, QuotaJson.Options) == JsonSerializer.Serialize(current.Settings, QuotaJson.Options))
        {
            return ChangeRefusal.Field(field, $"The configuration is the same as the current version {current.Version}.");
        }
        // A removed plan would silently move its tenants to the default plan: they must be moved first, each by approval.
        var all = await tenants.ListAsync(cancellationToken);
        var stranded = all.Where(t => t.Status != TenantStatus.Terminated && settings.FindPlan(t.Plan) is null)
            .GroupBy(t => t.Plan, StringComparer.Ordinal)
            .Select(group => $"'{group.Key}' ({group.Count()} tenant(s): {string.Join(", ", group.Select(t => t.TenantId).Order(StringComparer.Ordinal).Take(5))})")
            .ToList();
        if (stranded.Count > 0)
        {
            return ChangeRefusal.Field($"{field}.plans", $"Plans in use would be removed: {string.Join("; ", stranded)}. Move those tenants to another plan first.");
        }
        var check = CapacityPlanner.Evaluate(all, current.Settings, settings);
        return check.Admitted ? null : ChangeRefusal.OverCommit(check);
    }

    private async Task<ChangeRefusal?> CapacityAsync(TenantStanding proposed, PlatformSettings settings, CancellationToken cancellationToken)
    {
        var check = await capacity.CheckTenantAsync(proposed, settings, cancellationToken);
        return check.Admitted ? null : ChangeRefusal.OverCommit(check);
    }

    private async Task<(TenantStanding? Standing, ChangeRefusal? Refusal)> StandingAsync(string tenantId, bool allowTerminated = true)
    {
        // The grain is the authority on the tenant (the stored standings are its published copy).
        var standing = await grains.GetGrain<ITenantGrain>(tenantId).GetStandingAsync();
        if (standing is null)
        {
            return (null, ChangeRefusal.Field("tenantId", $"No tenant has id '{tenantId}'."));
        }
        if (!allowTerminated && standing.Status == TenantStatus.Terminated)
        {
            return (standing, ChangeRefusal.Conflict(ChangeRequestsProblems.NotApplicable, "Tenant is terminated", $"Tenant '{tenantId}' is terminated; its limits can no longer change."));
        }
        return (standing, null);
    }

    private static string Text(TenantStatus status) => TenantLimitsStore.Text(status);

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
