using SaaSReference.Database.Tests.Infrastructure;
using static SaaSReference.Database.Tests.Membership.MembershipTables;

namespace SaaSReference.Database.Tests.Membership;

[Collection(MigratedDatabaseCollection.Name)]
public sealed class MembershipInsertTests(MigratedDatabaseFixture database)
{
    [Fact]
    public async Task MembershipTable_FreshCluster_HasVersionZeroAndNoSilos()
    {
        var table = await CreateAsync(database.ConnectionString);

        var data = await table.ReadAllAsync();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    [Fact]
    public async Task MembershipTable_InsertWithCurrentVersion_AddsSiloAndBumpsVersion()
    {
        var table = await CreateAsync(database.ConnectionString);
        var silo = NewEntry();

        Assert.True(await table.JoinAsync(silo));

        var data = await table.ReadAllAsync();
        Assert.Equal(1, data.Version.Version);
        var (stored, _) = Assert.Single(data.Members);
        Assert.Equal(silo.SiloAddress, stored.SiloAddress);
        Assert.Equal(silo.SiloName, stored.SiloName);
        Assert.Equal(silo.ProxyPort, stored.ProxyPort);
        Assert.Equal(silo.StartTime, stored.StartTime);
        Assert.Equal(silo.SiloAddress, Assert.Single((await table.ReadRowAsync(silo.SiloAddress)).Members).Item1.SiloAddress);
    }

    [Fact]
    public async Task MembershipTable_InsertWithStaleVersion_RefusedAndTableUnchanged()
    {
        var table = await CreateAsync(database.ConnectionString);
        var seen = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(NewEntry(), seen.Next()));

        Assert.False(await table.InsertRowAsync(NewEntry(), seen.Next()));

        var data = await table.ReadAllAsync();
        Assert.Single(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task MembershipTable_ConcurrentInsertsFromOneView_ExactlyOneWins()
    {
        var table = await CreateAsync(database.ConnectionString);
        var seen = (await table.ReadAllAsync()).Version;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => table.InsertRowAsync(NewEntry(), seen.Next()))));

        Assert.Single(outcomes, inserted => inserted);
        var data = await table.ReadAllAsync();
        Assert.Single(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task MembershipTable_InsertSameSiloTwice_RefusedWithoutBumpingVersion()
    {
        var table = await CreateAsync(database.ConnectionString);
        var silo = NewEntry();
        Assert.True(await table.JoinAsync(silo));

        Assert.False(await table.JoinAsync(silo));

        Assert.Equal(1, (await table.ReadAllAsync()).Version.Version);
    }
}
