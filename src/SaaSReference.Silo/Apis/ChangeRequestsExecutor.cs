using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>How the execution of an approved request came out; <see cref="Outcome"/> is kept with the request.</summary>
public sealed record ChangeExecution(bool Applied, string Outcome);

/// <summary>
/// Makes an approved change take effect, after checking again that it still can (<see cref="ChangeRequestsPreflight"/>).
/// Tenant changes go to the tenant grain with the requester as actor and the approver as the second person
/// (6.1.2a); configuration changes add a version (12.1.2g), a rollback being a new version that holds an older document.
/// </summary>
public sealed class ChangeRequestsExecutor(
    IGrainFactory grains,
    PlatformConfigurationStore configuration,
    ChangeRequestsPreflight preflight,
    TimeProvider time,
    TenantRestores restores,
    SaaSReference.Database.TenantData.Termination.TenantTerminationService terminations)
{
    public async Task<ChangeExecution> ExecuteAsync(ChangeRequest request, string approvedBy, string? note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = await configuration.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken);
        if (await preflight.CheckAsync(request.Kind, request.TenantId, request.Payload, current, cancellationToken) is { } refusal)
        {
            return new(false, $"Can no longer be applied: {refusal.Detail}");
        }
        var tenant = request.TenantId is { } id ? grains.GetGrain<ITenantGrain>(id) : null;
        return request.Kind switch
        {
            ChangeRequestKind.Unfreeze => FromTenant(request, "is active again",
                await tenant!.ChangeStatusAsync(new StatusChangeCommand(TenantStatus.Active, StatusReason.Restored, note ?? request.Reason,
                    request.RequestedBy, approvedBy))),
            ChangeRequestKind.PlanChange => FromTenant(request, $"is on plan '{request.Payload.Plan}' now",
                await tenant!.ChangePlanAsync(request.Payload.Plan!, request.RequestedBy, approvedBy)),
            ChangeRequestKind.QuotaOverride => FromTenant(request, "has the new quota overrides",
                await tenant!.SetOverridesAsync(request.Payload.Overrides!, request.RequestedBy, approvedBy)),
            ChangeRequestKind.ConfigurationChange =>
                await AddVersionAsync(current, request.Payload.Settings!, request, approvedBy, Limit(request.Reason), cancellationToken),
            ChangeRequestKind.ConfigurationRollback => await RollBackAsync(current, request.Payload.Version!.Value, request, approvedBy, cancellationToken),
            // 12.3.1, 6.1.2a: the requester and the approver both go to the restore and to the audit trail.
            ChangeRequestKind.TenantRestore => await restores.ExecuteAsync(request, approvedBy, cancellationToken),
            // 8.1.5d, 6.1.2a: the approval is recorded; nothing is destroyed before the grace period ends (TenantTerminationWorker).
            ChangeRequestKind.TenantTermination => await TenantTerminationApproval.ApproveAsync(terminations, request, approvedBy, cancellationToken),
            _ => new(false, "Unknown kind."),
        };
    }

    private async Task<ChangeExecution> RollBackAsync(PlatformConfigurationVersion current, int version, ChangeRequest request, string approvedBy,
        CancellationToken cancellationToken)
    {
        var target = await configuration.GetAsync(version, cancellationToken);
        return target is null
            ? new(false, $"Configuration version {version} no longer exists.")
            : await AddVersionAsync(current, target.Settings, request, approvedBy, $"Rollback to version {version}", cancellationToken);
    }

    private async Task<ChangeExecution> AddVersionAsync(PlatformConfigurationVersion current, PlatformSettings settings, ChangeRequest request,
        string approvedBy, string note, CancellationToken cancellationToken)
    {
        var added = await configuration.AddAsync(current.Version, settings, request.RequestedBy, approvedBy, request.Id, note, time.GetUtcNow(), cancellationToken);
        return added is null
            ? new(false, $"Another configuration version was added after version {current.Version} at the same moment; nothing was changed. Request again.")
            : new(true, $"Configuration version {added.Version} is current (the previous, version {current.Version}, is kept).");
    }

    private static ChangeExecution FromTenant(ChangeRequest request, string done, TenantChangeResult result) => result.Outcome switch
    {
        TenantChangeOutcome.Changed => new(true, $"Tenant '{request.TenantId}' {done}."),
        TenantChangeOutcome.Unchanged => new(true, $"Tenant '{request.TenantId}' {done} (it was so already; nothing changed)."),
        TenantChangeOutcome.NotFound => new(false, $"Tenant '{request.TenantId}' does not exist."),
        _ => new(false, $"The tenant refused the change: {result.Problem ?? "no reason given"}."),
    };

    private static string Limit(string text) => text.Length <= 500 ? text : text[..500];
}
