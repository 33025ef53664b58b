using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData.Termination;
using SaaSReference.Grains.Audit;

namespace SaaSReference.Silo.TenantData;

/// <summary>
/// Every silo's executor of terminations (8.1.5d): each <see cref="TenantTerminationOptions.PollInterval"/> it closes the
/// requests whose approval was refused or never came, then executes the approved ones whose grace period is over. Several
/// silos poll at once; a termination is executed by one of them only (<see cref="TenantTerminationExecutor"/>), and one
/// interrupted half-way (the silo died) is finished by the next poll on any silo.
/// </summary>
public sealed partial class TenantTerminationWorker(
    TenantTerminationService terminations,
    TenantTerminationExecutor executor,
    IOptions<TenantTerminationOptions> options,
    ILogger<TenantTerminationWorker> logger) : BackgroundService
{
    /// <summary>One poll: closes the unapproved, executes what is due; answers the terminations this poll executed.</summary>
    public async Task<IReadOnlyList<TenantTermination>> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await terminations.CloseUndecidedAsync(cancellationToken);
        return await executor.ExecuteDueAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogPollFailed(logger, exception.GetType().Name, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The termination poll failed ({ErrorType}: {Reason}); the next one tries again.")]
    private static partial void LogPollFailed(ILogger logger, string errorType, string reason);
}

/// <summary>Terminates a tenant's standing through its grain, which publishes it to every gateway and silo before it answers.</summary>
public sealed class GrainTenantStandingTerminator(IGrainFactory grains) : ITenantStandingTerminator
{
    public async Task TerminateAsync(string tenantId, string requestedBy, string approvedBy, string note, CancellationToken cancellationToken)
    {
        TenantChangeResult result;
        // 12.4.3a: the grain call is the platform's act (the audit call filter records it so).
        using (AuditCallContext.Begin(TenantTerminationService.PlatformActor))
        {
            result = await grains.GetGrain<ITenantGrain>(tenantId).ChangeStatusAsync(
                new StatusChangeCommand(TenantStatus.Terminated, StatusReason.OperatorDecision, note.Length <= 500 ? note : note[..500], requestedBy, approvedBy));
        }
        if (result.Outcome is TenantChangeOutcome.Changed or TenantChangeOutcome.Unchanged or TenantChangeOutcome.NotFound)
        {
            return;
        }
        throw new InvalidOperationException($"The tenant grain refused to terminate tenant '{tenantId}': {result.Problem ?? "no reason given"}.");
    }
}

public static class TenantTerminationServiceExtensions
{
    /// <summary>
    /// Termination of tenants (section <c>TenantTermination</c>; 8.1.5d-f): the store, the request/approval/cancellation
    /// service, the executor, the tenant-grain standing and every silo's polling worker. Register after Orleans,
    /// <c>AddTenantStorage</c>, <c>AddTenantKeys</c> and the audit trail.
    /// </summary>
    public static IServiceCollection AddTenantTermination(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<TenantTerminationOptions>(configuration.GetSection(TenantTerminationOptions.Section));
        services.TryAddSingleton<TenantTerminationStore>();
        services.TryAddSingleton<TenantTerminationService>();
        services.TryAddSingleton<TenantTerminationExecutor>();
        services.TryAddSingleton<ITenantStandingTerminator, GrainTenantStandingTerminator>();
        services.TryAddSingleton<TenantTerminationWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<TenantTerminationWorker>());
        return services;
    }
}
