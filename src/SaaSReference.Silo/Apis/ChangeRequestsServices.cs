using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>What the change-request endpoints work with, and the expiry of stale requests (each one logged).</summary>
public sealed class ChangeRequestsServices(
    ChangeRequestStore store,
    PlatformConfigurationStore configuration,
    ChangeRequestsPreflight preflight,
    ChangeRequestsExecutor executor,
    ChangeRequestsAudit audit,
    TimeProvider time)
{
    public ChangeRequestStore Store => store;
    public ChangeRequestsPreflight Preflight => preflight;
    public ChangeRequestsExecutor Executor => executor;
    public ChangeRequestsAudit Audit => audit;
    public TimeProvider Time => time;

    /// <summary>The configuration in force, read from the database (not a cache): decisions are made against it.</summary>
    public Task<PlatformConfigurationVersion> CurrentAsync(CancellationToken cancellationToken) =>
        configuration.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken);

    /// <summary>Marks every stale pending request expired, so that what is listed is what can still be decided.</summary>
    public async Task ExpireStaleAsync(CancellationToken cancellationToken)
    {
        var lifetime = (await CurrentAsync(cancellationToken)).Settings.ApprovalLifetime;
        foreach (var expired in await store.ExpireStaleAsync(time.GetUtcNow(), lifetime, cancellationToken))
        {
            await audit.ExpiredUndecided(expired);
        }
    }

    /// <summary>Marks the request expired if it is pending and stale; returns it then.</summary>
    public async Task<ChangeRequest?> ExpireAsync(Guid id, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var expired = await store.ExpireAsync(id, time.GetUtcNow(), lifetime, cancellationToken);
        if (expired is not null)
        {
            await audit.ExpiredUndecided(expired);
        }
        return expired;
    }
}

public static class ChangeRequestsExtensions
{
    /// <summary>
    /// Four-eyes change requests (6.1.2a, 9.1.1c, 12.1.2f/g) and the over-commit check (12.1.3f). Needs an
    /// <c>NpgsqlDataSource</c> and Orleans' <see cref="IGrainFactory"/>. Registers the handler of the approver policy:
    /// without this call that policy refuses everyone.
    /// </summary>
    public static IServiceCollection AddChangeRequests(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChangeRequestStore>();
        services.TryAddSingleton<PlatformConfigurationStore>();
        services.TryAddSingleton<TenantLimitsStore>();
        services.TryAddSingleton<CapacityPlanner>();
        services.TryAddSingleton<ChangeRequestsAudit>();
        services.TryAddSingleton<ChangeRequestsPreflight>();
        services.TryAddSingleton<ChangeRequestsExecutor>();
        services.TryAddSingleton<ChangeRequestsServices>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ChangeRequestsApproverHandler>());
        return services;
    }
}
