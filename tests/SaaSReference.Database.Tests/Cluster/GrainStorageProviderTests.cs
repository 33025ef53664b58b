using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Cluster;

/// <summary>The ADO.NET grain storage called directly through the silo's keyed <see cref="IGrainStorage"/>.</summary>
[Collection(OrleansClusterCollection.Name)]
public sealed class GrainStorageProviderTests(OrleansClusterFixture fixture)
{
    private const string StateName = "counter";

    [Fact]
    public async Task GrainStorage_WriteWithStaleETag_RaisesInconsistentStateAndKeepsRow()
    {
        var storage = Storage(OrleansClusterFixture.StorageName);
        var grainId = GrainId.Create("storage-test", Guid.NewGuid().ToString("N")); // a Guid key: both key halves in use
        var value = new CounterState { Value = 1 };
        var current = new GrainState<CounterState>(value);
        await storage.WriteStateAsync(StateName, grainId, current);
        var stale = new GrainState<CounterState>(new CounterState { Value = 99 }, current.ETag);
        value.Value = 2;
        await storage.WriteStateAsync(StateName, grainId, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grainId, stale));

        var read = await ReadAsync(storage, grainId);
        Assert.Equal(2, read.State?.Value);
        Assert.Equal("2", read.ETag);
    }

    [Fact]
    public async Task GrainStorage_FirstWriteOverExistingState_RaisesInconsistentState()
    {
        var storage = Storage(OrleansClusterFixture.StorageName);
        var grainId = GrainId.Create("storage-test", $"tenant-{Guid.NewGuid():N}");
        await storage.WriteStateAsync(StateName, grainId, new GrainState<CounterState>(new CounterState { Value = 1 }));

        var unaware = new GrainState<CounterState>(new CounterState { Value = 7 });

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grainId, unaware));
        Assert.Equal(1, (await ReadAsync(storage, grainId)).State?.Value);
    }

    [Fact]
    public async Task GrainStorage_Clear_KeepsEmptyRowWithNewVersion()
    {
        var storage = Storage(OrleansClusterFixture.StorageName);
        var key = $"tenant-{Guid.NewGuid():N}";
        var grainId = GrainId.Create("storage-test", key);
        var state = new GrainState<CounterState>(new CounterState { Value = 3 });
        await storage.WriteStateAsync(StateName, grainId, state);

        await storage.ClearStateAsync(StateName, grainId, state);

        Assert.Equal("2", state.ETag);
        var read = await ReadAsync(storage, grainId);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State?.Value);
        Assert.True(await Sql.ScalarAsync<bool>(fixture.ConnectionString,
            "SELECT payload IS NULL FROM public.orleans_grain_state WHERE grain_id_extension = @key", ("key", key)));
        var beforeClear = new GrainState<CounterState>(new CounterState { Value = 4 }, "1");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grainId, beforeClear));
    }

    [Fact]
    public async Task GrainStorage_ClearWithDeleteStateOnClear_RemovesRow()
    {
        var storage = Storage(OrleansClusterFixture.DeletingStorageName);
        var key = $"tenant-{Guid.NewGuid():N}";
        var grainId = GrainId.Create("storage-test", key);
        var state = new GrainState<CounterState>(new CounterState { Value = 3 });
        await storage.WriteStateAsync(StateName, grainId, state);

        await storage.ClearStateAsync(StateName, grainId, state);

        Assert.Null(state.ETag);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(fixture.ConnectionString,
            "SELECT count(*) FROM public.orleans_grain_state WHERE grain_id_extension = @key", ("key", key)));
        await storage.WriteStateAsync(StateName, grainId, state);
        Assert.Equal("1", state.ETag);
    }

    [Fact]
    public async Task GrainStorage_SameKeyAndStateNameInTwoGrainTypes_ShareOneRow()
    {
        // Pins down a fact of the provider that grain code must respect: the grain's type is not part of the
        // stored key, so grain classes need state names of their own (see 0002_orleans_persistence.sql).
        var storage = Storage(OrleansClusterFixture.StorageName);
        var key = $"tenant-{Guid.NewGuid():N}";
        await storage.WriteStateAsync(StateName, GrainId.Create("type-a", key), new GrainState<CounterState>(new CounterState { Value = 5 }));

        var seenByOtherType = await ReadAsync(storage, GrainId.Create("type-b", key));

        Assert.Equal(5, seenByOtherType.State?.Value);
    }

    private IGrainStorage Storage(string name) =>
        ((InProcessSiloHandle)fixture.Cluster.Silos[0]).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(name);

    private static async Task<GrainState<CounterState>> ReadAsync(IGrainStorage storage, GrainId grainId)
    {
        var state = new GrainState<CounterState>(new CounterState());
        await storage.ReadStateAsync(StateName, grainId, state);
        return state;
    }
}
