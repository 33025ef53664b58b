using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Cluster;

/// <summary>Grain state through a grain's <c>IPersistentState</c>, across deactivations.</summary>
[Collection(OrleansClusterCollection.Name)]
public sealed class GrainPersistenceTests(OrleansClusterFixture fixture)
{
    [Fact]
    public async Task GrainState_AfterDeactivation_IsReadBackFromPostgres()
    {
        var key = $"survivor-{Guid.NewGuid():N}";
        var counter = fixture.Cluster.Client.GetGrain<ICounterGrain>(key);
        await counter.Increment();
        var before = await counter.Increment();

        await counter.Deactivate();
        var after = await ReactivatedAsync(counter, before.ActivationId);

        Assert.Equal(2, after.Value);
        Assert.Equal(2, await Sql.ScalarAsync<int>(fixture.ConnectionString,
            "SELECT version FROM public.orleans_grain_state WHERE grain_id_extension = @key AND payload IS NOT NULL", ("key", key)));
    }

    [Fact]
    public async Task GrainState_ClearedThroughGrain_StartsOverAfterReactivation()
    {
        var counter = fixture.Cluster.Client.GetGrain<ICounterGrain>($"cleared-{Guid.NewGuid():N}");
        await counter.Increment();
        await counter.Clear();
        var before = await counter.Get();

        await counter.Deactivate();
        var after = await ReactivatedAsync(counter, before.ActivationId);

        Assert.Equal(0, after.Value);
        Assert.Equal(1, (await counter.Increment()).Value);
    }

    private static async Task<CounterSnapshot> ReactivatedAsync(ICounterGrain counter, Guid previousActivation)
    {
        // Deactivation completes after the call that asked for it; poll until a new activation answers.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var snapshot = await counter.Get();
            if (snapshot.ActivationId != previousActivation)
            {
                return snapshot;
            }
            await Task.Delay(50);
        }
        throw new InvalidOperationException("The grain was never deactivated.");
    }
}
