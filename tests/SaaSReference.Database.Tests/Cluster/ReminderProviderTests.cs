using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Cluster;

[Collection(OrleansClusterCollection.Name)]
public sealed class ReminderProviderTests(OrleansClusterFixture fixture)
{
    [Fact]
    public async Task Reminder_RegisteredThroughGrain_IsListedAndUnregisters()
    {
        var key = $"reminders-{Guid.NewGuid():N}";
        var grain = fixture.Cluster.Client.GetGrain<IReminderTestGrain>(key);

        await grain.Register("nightly");

        Assert.Equal(["nightly"], await grain.List());
        Assert.Equal(1L, await CountReminderRowsAsync(key));
        await grain.Unregister("nightly");
        Assert.Empty(await grain.List());
        Assert.Equal(0L, await CountReminderRowsAsync(key));
    }

    [Fact]
    public async Task ReminderTable_RangesAndVersions_FollowTheProviderContract()
    {
        var table = ((InProcessSiloHandle)fixture.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IReminderTable>();
        var grainId = GrainId.Create("range-test", Guid.NewGuid().ToString());
        var entry = new ReminderEntry { GrainId = grainId, ReminderName = "r", StartAt = DateTime.UtcNow.AddDays(1), Period = TimeSpan.FromDays(40) };
        var first = await table.UpsertRow(entry);
        var second = await table.UpsertRow(entry);
        var hash = grainId.GetUniformHashCode();

        // Ranges are (begin, end] on the ring; the first two do not wrap, the next two do, the last is the whole ring.
        Assert.Contains(grainId, GrainIds(await table.ReadRows(hash - 1, hash)));
        Assert.DoesNotContain(grainId, GrainIds(await table.ReadRows(hash, hash + 1)));
        Assert.Contains(grainId, GrainIds(await table.ReadRows(hash + 1, hash)));
        Assert.DoesNotContain(grainId, GrainIds(await table.ReadRows(hash, hash - 1)));
        Assert.Contains(grainId, GrainIds(await table.ReadRows(hash, hash)));
        var row = await table.ReadRow(grainId, "r");
        Assert.Equal(TimeSpan.FromDays(40), row!.Period);
        Assert.Equal(second, row.ETag);
        Assert.False(await table.RemoveRow(grainId, "r", first!));
        Assert.True(await table.RemoveRow(grainId, "r", second!));
        Assert.Null(await table.ReadRow(grainId, "r"));
    }

    private static IEnumerable<GrainId> GrainIds(ReminderTableData data) => data.Reminders.Select(reminder => reminder.GrainId);

    private Task<long> CountReminderRowsAsync(string grainKey) =>
        Sql.ScalarAsync<long>(fixture.ConnectionString,
            "SELECT count(*) FROM public.orleans_reminder WHERE service_id = @service AND grain_id LIKE @grain",
            ("service", fixture.Cluster.Options.ServiceId), ("grain", $"%/{grainKey}"));
}
