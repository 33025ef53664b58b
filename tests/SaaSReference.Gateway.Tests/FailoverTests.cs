using SaaSReference.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.GatewayStack;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;

namespace SaaSReference.Gateway.Tests;

/// <summary>Health checks take a dead destination out of rotation and bring it back when it answers again.</summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Failover_DestinationKilled_LeavesRotationAndReturnsWhenStartedAgain()
    {
        var settings = new Dictionary<string, string?>(
            ForEveryCluster("HealthCheck:Active:Interval", "00:00:00.500")
                .Concat(ForEveryCluster("HealthCheck:Active:Timeout", "00:00:00.500"))
                .Concat(ForEveryCluster("HealthCheck:Passive:ReactivationPeriod", "00:00:01"))
                // Round robin: every destination in rotation is chosen within three requests.
                .Concat(ForEveryCluster("LoadBalancingPolicy", "RoundRobin")))
        {
            // No retry: a request sent to a dead destination would fail and show it still in rotation.
            ["Gateway:Retry:MaxAttempts"] = "1",
        };
        await using var stack = await StartAsync(output, settings);
        await stack.WaitForAllProbedHealthyAsync();

        await stack["silo-2"].StopAsync();
        var degraded = await stack.WaitForHealthAsync("silo-2 out of rotation", r => !Find(r, "silo-2").InRotation);

        Assert.Equal("Degraded", degraded.Status);
        Assert.Equal("Unhealthy", Find(degraded, "silo-2").Active);
        var backends = await GetBackendsAsync(stack.Client, requests: 9);
        Assert.Equal(["silo-1", "silo-3"], backends.Distinct().Order());

        await stack["silo-2"].StartAsync();
        var healthy = await stack.WaitForHealthAsync("silo-2 back in rotation", r => Find(r, "silo-2").InRotation);

        Assert.Equal("Healthy", Find(healthy, "silo-2").Active);
        backends = await GetBackendsAsync(stack.Client, requests: 6);
        Assert.Contains("silo-2", backends);
    }

    private static async Task<List<string>> GetBackendsAsync(HttpClient client, int requests)
    {
        var backends = new List<string>();
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync($"/api/ping/{i}");
            backends.Add((await ReadEchoAsync(response)).Backend);
        }
        return backends;
    }
}
