using System.Text;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Records;
using SaaSReference.Grains.Quotas;

namespace SaaSReference.Grains.Records;

/// <summary>The persisted state of one record.</summary>
[GenerateSerializer]
public sealed class TenantRecordState
{
    [Id(0)] public string Json { get; set; } = "";
    [Id(1)] public long Version { get; set; }
    [Id(2)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(3)] public string UpdatedBy { get; set; } = "";
}

/// <summary>
/// One tenant record. Quotas and the frozen status are enforced around it by the quota call filter; the grain only
/// stores. A write is acknowledged after the state is durably written.
/// </summary>
public sealed class TenantRecordGrain(
    [PersistentState("record", StorageNames.Platform)] IPersistentState<TenantRecordState> state,
    TimeProvider time) : TenantScopedGrain, ITenantRecordGrain, IStoredSize
{
    public long StoredBytes => state.RecordExists ? Encoding.UTF8.GetByteCount(state.State.Json) : 0;

    public Task<TenantRecord?> GetAsync() => Task.FromResult(state.RecordExists ? Record() : null);

    public async Task<RecordWriteResult> PutAsync(RecordContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var current = state.RecordExists ? state.State.Version : 0;
        if (content.IfVersion is { } expected && expected != current)
        {
            return new RecordWriteResult(RecordWriteOutcome.VersionMismatch, state.RecordExists ? Record() : null);
        }
        var created = !state.RecordExists;
        var previous = state.State;
        state.State = new TenantRecordState { Json = content.Json, Version = current + 1, UpdatedAt = time.GetUtcNow(), UpdatedBy = content.Actor };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored: the grain keeps showing what is stored, and the filter settles the count with it.
            state.State = previous;
            throw;
        }
        return new RecordWriteResult(created ? RecordWriteOutcome.Created : RecordWriteOutcome.Replaced, Record());
    }

    public async Task<bool> DeleteAsync(string actor)
    {
        if (!state.RecordExists)
        {
            return false;
        }
        await state.ClearStateAsync();
        return true;
    }

    private TenantRecord Record()
    {
        var parts = this.GetPrimaryKeyString().Split('/', 3);
        return new TenantRecord(parts[1], parts[2], state.State.Json, state.State.Version, state.State.UpdatedAt, state.State.UpdatedBy);
    }
}
