using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.TenantData;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Database.TenantData.Records;
using SaaSReference.Grains.Quotas;

namespace SaaSReference.Grains.Records;

/// <summary>
/// One tenant record, stored encrypted in the <c>records</c> table of its tenant's own schema (8.2.3a, 10.1.2b). Quotas
/// and the frozen status are enforced around it by the quota call filter; the grain serialises the record's writes and
/// keeps no copy of it between calls, so what it answers is always what is stored (a restore underneath included).
/// </summary>
public sealed class TenantRecordGrain(TenantStorageLocator locator, TenantRecordStore records, TimeProvider time)
    : TenantScopedGrain, ITenantRecordGrain, IStoredSize
{
    private string[] KeyParts => this.GetPrimaryKeyString().Split('/', 3);

    private string Collection => KeyParts[1];

    private string RecordId => KeyParts[2];

    public async ValueTask<long> GetStoredBytesAsync()
    {
        var location = await LocationAsync();
        return await Guard(() => records.SizeAsync(location, Collection, RecordId));
    }

    public async Task<TenantRecord?> GetAsync()
    {
        var location = await LocationAsync();
        var stored = await Guard(() => records.GetAsync(location, Collection, RecordId));
        return stored is null ? null : ToContract(stored);
    }

    public async Task<RecordWriteResult> PutAsync(RecordContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var location = await LocationAsync();
        var result = await Guard(() => records.PutAsync(location, Collection, RecordId, content.Json, content.Actor, content.IfVersion, time.GetUtcNow()));
        var outcome = result.Outcome switch
        {
            RecordStoreOutcome.Created => RecordWriteOutcome.Created,
            RecordStoreOutcome.Replaced => RecordWriteOutcome.Replaced,
            RecordStoreOutcome.UnknownCollection => RecordWriteOutcome.UnknownCollection,
            _ => RecordWriteOutcome.VersionMismatch,
        };
        return new RecordWriteResult(outcome, result.Record is null ? null : ToContract(result.Record));
    }

    public async Task<RecordRemoval> DeleteAsync(string actor, long? ifVersion = null)
    {
        var location = await LocationAsync();
        return await Guard(() => records.DeleteAsync(location, Collection, RecordId, ifVersion)) switch
        {
            RecordDeleteOutcome.Deleted => RecordRemoval.Deleted,
            RecordDeleteOutcome.NotFound => RecordRemoval.NotFound,
            _ => RecordRemoval.VersionMismatch,
        };
    }

    private async Task<TenantStorageLocation> LocationAsync() =>
        await locator.GetAsync(TenantId) ?? throw Unavailable(new TenantStorageUnavailableException(TenantId));

    /// <summary>Storage and key failures cross the cluster as one serializable exception with the reason.</summary>
    private async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (TenantKeyUnavailableException exception)
        {
            throw Unavailable(exception);
        }
        catch (TenantStorageUnavailableException exception)
        {
            throw Unavailable(exception);
        }
    }

    internal static TenantDataUnavailableException Unavailable(Exception exception) => exception switch
    {
        TenantKeyUnavailableException { Reason: TenantKeyUnavailableReason.Revoked } key =>
            new(key.TenantId, TenantDataUnavailableReason.KeyRevoked, key.Message),
        TenantKeyUnavailableException { Reason: TenantKeyUnavailableReason.Destroyed } key =>
            new(key.TenantId, TenantDataUnavailableReason.KeyDestroyed, key.Message),
        TenantKeyUnavailableException key => new(key.TenantId, TenantDataUnavailableReason.StorageGone, key.Message),
        TenantStorageUnavailableException storage => new(storage.TenantId, TenantDataUnavailableReason.StorageGone, storage.Message),
        _ => throw new ArgumentOutOfRangeException(nameof(exception)),
    };

    private static TenantRecord ToContract(StoredRecord record) => new(record.Collection, record.Id, record.Json, record.Version, record.UpdatedAt,
        record.UpdatedBy, record.TenantId, record.Classification, record.CreatedAt);
}
