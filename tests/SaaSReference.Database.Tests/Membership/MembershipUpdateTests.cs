using Orleans.Runtime;
using SaaSReference.Database.Tests.Infrastructure;
using static SaaSReference.Database.Tests.Membership.MembershipTables;

namespace SaaSReference.Database.Tests.Membership;

[Collection(MigratedDatabaseCollection.Name)]
public sealed class MembershipUpdateTests(MigratedDatabaseFixture database)
{
    [Fact]
    public async Task MembershipTable_UpdateWithStaleVersion_RefusedAndRowUnchanged()
    {
        var table = await CreateAsync(database.ConnectionString);
        var silo = NewEntry();
        var seen = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(silo, seen.Next()));

        silo.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRowAsync(silo, seen.VersionEtag, seen.Next()));

        var data = await table.ReadAllAsync();
        Assert.Equal(SiloStatus.Active, Assert.Single(data.Members).Item1.Status);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task MembershipTable_UpdateWithCurrentVersion_StoresStatusAndSuspicions()
    {
        var table = await CreateAsync(database.ConnectionString);
        var silo = NewEntry();
        Assert.True(await table.JoinAsync(silo));
        var current = await table.ReadAllAsync();
        var accuser = NewEntry().SiloAddress;
        var voteTime = new DateTime(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        silo.Status = SiloStatus.Dead;
        silo.SuspectTimes = [Tuple.Create(accuser, voteTime)];

        Assert.True(await table.UpdateRowAsync(silo, current.Members[0].Item2, current.Version.Next()));

        var data = await table.ReadAllAsync();
        var stored = Assert.Single(data.Members).Item1;
        Assert.Equal(SiloStatus.Dead, stored.Status);
        Assert.NotNull(stored.SuspectTimes);
        var vote = Assert.Single(stored.SuspectTimes);
        Assert.Equal(accuser, vote.Item1);
        Assert.Equal(voteTime, vote.Item2);
        Assert.Equal(2, data.Version.Version);
    }

    [Fact]
    public async Task MembershipTable_UpdateUnknownSilo_RefusedWithoutBumpingVersion()
    {
        var table = await CreateAsync(database.ConnectionString);
        var seen = (await table.ReadAllAsync()).Version;

        Assert.False(await table.UpdateRowAsync(NewEntry(), seen.VersionEtag, seen.Next()));

        Assert.Equal(0, (await table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task MembershipTable_IAmAlive_ChangesHeartbeatButNotVersion()
    {
        var table = await CreateAsync(database.ConnectionString);
        var silo = NewEntry();
        Assert.True(await table.JoinAsync(silo));

        silo.IAmAliveTime = silo.IAmAliveTime.AddMinutes(5);
        await table.UpdateIAmAliveAsync(silo);

        var data = await table.ReadAllAsync();
        Assert.Equal(silo.IAmAliveTime, Assert.Single(data.Members).Item1.IAmAliveTime);
        Assert.Equal(1, data.Version.Version);
    }
}
