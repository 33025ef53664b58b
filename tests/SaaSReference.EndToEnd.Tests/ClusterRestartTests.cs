using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>
/// The whole cluster stopped and started again keeps every tenant (state is in PostgreSQL through the
/// ADO.NET provider, not in silo memory), and the identity instances are reachable through the gateway.
/// </summary>
public sealed class ClusterRestartTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Cluster_AllSilosStoppedAndStarted_StateSurvives()
    {
        var cluster = fixture.Cluster;
        using var gateway = cluster.CreateOperatorClient();
        var ids = Enumerable.Range(1, 12).Select(i => $"restart-{i:D2}").ToList();
        foreach (var id in ids)
        {
            using var created = await TenantClient.CreateAsync(gateway, id);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var silo in cluster.Silos)
        {
            await silo.StopAsync();
        }
        Assert.All(cluster.Silos, silo => Assert.False(silo.IsRunning));
        using (var down = await gateway.GetAsync(new Uri("api/tenants/restart-01", UriKind.Relative)))
        {
            Assert.True(down.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway, $"with every silo down the gateway answered {down.StatusCode}");
        }

        foreach (var silo in cluster.Silos)
        {
            silo.Start();
        }
        await Task.WhenAll(cluster.Silos.Select(s => s.WaitUntilHealthyAsync()));
        var rejoined = await GatewayHealth.WaitForAsync(gateway, "silo", r => r.Count == 3, TimeSpan.FromSeconds(60));
        output.WriteLine($"all silos back in the gateway's rotation {rejoined.TotalSeconds:F1} s after they reported ready");

        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.OK, await TenantClient.ReadWithPatienceAsync(gateway, id, TimeSpan.FromSeconds(30)));
        }
        var listed = await gateway.GetFromJsonAsync<JsonElement>(new Uri("api/tenants?limit=500", UriKind.Relative));
        var listedIds = listed.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToHashSet();
        Assert.Superset(ids.ToHashSet<string?>(), listedIds);

        // The same create again finds the tenant as it was before the restart (idempotent: 200, nothing created).
        using var again = await TenantClient.CreateAsync(gateway, ids[0]);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(ids[0], (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Identity_ThroughGateway_ReachesBothInstances()
    {
        var cluster = fixture.Cluster;
        using var gateway = new HttpClient { BaseAddress = cluster.Gateway!.BaseAddress };
        var rotation = await GatewayHealth.WaitForAsync(gateway, "identity", r => r.Count == 2, TimeSpan.FromSeconds(60));
        output.WriteLine($"identity cluster fully in rotation after {rotation.TotalSeconds:F1} s");
        using var response = await gateway.GetAsync(new Uri("identity/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // One identity instance down: the path keeps answering through the other.
        await cluster.Identities[0].KillAsync();
        for (var i = 0; i < 10; i++)
        {
            using var again = await gateway.GetAsync(new Uri("identity/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        cluster.Identities[0].Start();
        await cluster.Identities[0].WaitUntilHealthyAsync();
    }
}
