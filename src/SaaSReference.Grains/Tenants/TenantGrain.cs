using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database;

namespace SaaSReference.Grains.Tenants;

/// <summary>
/// The authority on one tenant. A create is acknowledged only after the state is durably written through
/// the ADO.NET storage provider, so no acknowledged tenant is lost when a silo dies.
/// </summary>
public sealed partial class TenantGrain(
    [PersistentState("tenant", StorageNames.Platform)] IPersistentState<TenantState> state,
    TenantCatalogStore catalog,
    TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !state.State.CatalogRecorded)
        {
            await TryRecordInCatalogAsync(cancellationToken);
        }
    }

    public async Task<CreateTenantResult> CreateAsync(CreateTenantCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state.RecordExists)
        {
            if (!state.State.CatalogRecorded)
            {
                await TryRecordInCatalogAsync(CancellationToken.None);
            }
            return new CreateTenantResult(CreateTenantOutcome.AlreadyExists, Details());
        }

        var displayName = command.DisplayName.Trim();
        if (displayName.Length is < 1 or > 200 || string.IsNullOrWhiteSpace(command.RequestedBy))
        {
            throw new ArgumentException("A tenant needs a display name of 1 to 200 characters and a requesting principal.", nameof(command));
        }

        state.State = new TenantState
        {
            DisplayName = displayName,
            Status = TenantStatus.Active,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = command.RequestedBy,
        };
        await state.WriteStateAsync();
        await TryRecordInCatalogAsync(CancellationToken.None);
        return new CreateTenantResult(CreateTenantOutcome.Created, Details());
    }

    public Task<TenantDetails?> GetAsync() =>
        Task.FromResult(state.RecordExists ? Details() : null);

    private TenantDetails Details() =>
        new(this.GetPrimaryKeyString(), state.State.DisplayName, state.State.Status, state.State.CreatedAt, state.State.CreatedBy);

    /// <summary>
    /// The state is already durable; a catalog failure must not fail the create. The flag stays false and the
    /// next activation or create of this tenant records it again (the upsert is idempotent).
    /// </summary>
    private async Task TryRecordInCatalogAsync(CancellationToken cancellationToken)
    {
        try
        {
            var s = state.State;
            await catalog.UpsertAsync(
                new TenantCatalogEntry(this.GetPrimaryKeyString(), s.DisplayName, s.Status.ToString().ToLowerInvariant(), s.CreatedAt, s.CreatedBy, time.GetUtcNow()),
                cancellationToken);
            s.CatalogRecorded = true;
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
        {
            LogCatalogDeferred(logger, exception, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} is stored but not yet in the catalog; it will be recorded on its next activation.")]
    private static partial void LogCatalogDeferred(ILogger logger, Exception exception, string tenantId);
}
