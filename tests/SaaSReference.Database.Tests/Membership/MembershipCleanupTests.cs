using Orleans.Runtime;
using SaaSReference.Database.Tests.Infrastructure;
using static SaaSReference.Database.Tests.Membership.MembershipTables;

namespace SaaSReference.Database.Tests.Membership;

[Collection(MigratedDatabaseCollection.Name)]
public sealed class MembershipCleanupTests(MigratedDatabaseFixture database)
{
    [Fact]
    public async Task MembershipTable_CleanupDefunct_RemovesOnlyDeadSilosOlderThanCutoff()
    {
        var table = await CreateAsync(database.ConnectionString);
        var longAgo = DateTime.UtcNow.AddDays(-10);
        var oldDead = NewEntry(SiloStatus.Dead, longAgo);
        var oldActive = NewEntry(SiloStatus.Active, longAgo);
        var recentDead = NewEntry(SiloStatus.Dead, DateTime.UtcNow);
        foreach (var silo in new[] { oldDead, oldActive, recentDead })
        {
            Assert.True(await table.JoinAsync(silo));
        }

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1));

        var left = (await table.ReadAllAsync()).Members.Select(member => member.Item1.SiloAddress).ToHashSet();
        Assert.Equal(new HashSet<SiloAddress> { oldActive.SiloAddress, recentDead.SiloAddress }, left);
    }

    [Fact]
    public async Task MembershipTable_DeleteEntries_RemovesOnlyThatCluster()
    {
        var doomedId = $"doomed-{Guid.NewGuid():N}";
        var doomed = await CreateAsync(database.ConnectionString, doomedId);
        var other = await CreateAsync(database.ConnectionString);
        Assert.True(await doomed.JoinAsync(NewEntry()));
        Assert.True(await other.JoinAsync(NewEntry()));

        await doomed.DeleteMembershipTableEntriesAsync(doomedId);

        Assert.Equal(0L, await Sql.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM public.orleans_membership WHERE cluster_id = @id", ("id", doomedId)));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM public.orleans_membership_version WHERE cluster_id = @id", ("id", doomedId)));
        Assert.Single((await other.ReadAllAsync()).Members);
    }
}
