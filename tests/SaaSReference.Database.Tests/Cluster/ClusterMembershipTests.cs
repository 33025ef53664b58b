using Orleans;
using Orleans.Runtime;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Cluster;

[Collection(OrleansClusterCollection.Name)]
public sealed class ClusterMembershipTests(OrleansClusterFixture fixture)
{
    [Fact]
    public async Task Cluster_TwoSilosOnPostgresMembership_BothActive()
    {
        var hosts = await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

        Assert.Equal(fixture.Cluster.Silos.Select(silo => silo.SiloAddress).ToHashSet(), hosts.Keys.ToHashSet());
        Assert.Equal(2L, await Sql.ScalarAsync<long>(fixture.ConnectionString,
            "SELECT count(*) FROM public.orleans_membership WHERE cluster_id = @cluster AND status = @active",
            ("cluster", fixture.Cluster.Options.ClusterId), ("active", (int)SiloStatus.Active)));
    }
}
