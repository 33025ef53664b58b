using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>
/// 17.2.1a/b, 9.1.1a: a silo that crashes (SIGKILL) takes no acknowledged write with it, the cluster serves
/// again on the survivors, and the gateway takes the dead destination out of rotation and back in.
/// Figures are printed for docs/failover.md, never asserted on time.
/// </summary>
public sealed class FailoverTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan HealthBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Gateway_SiloKilledThenRestarted_LeavesRotationAndReturns()
    {
        var cluster = fixture.Cluster;
        using var gateway = cluster.CreateOperatorClient();
        var victim = cluster.Silos[2];

        await victim.KillAsync();
        var outAfter = await GatewayHealth.WaitForAsync(gateway, "silo", r => !r.Contains(victim.Name) && r.Count == 2, HealthBound);
        output.WriteLine($"{victim.Name} left the gateway's rotation {outAfter.TotalSeconds:F1} s after SIGKILL");

        victim.Start();
        await victim.WaitUntilHealthyAsync();
        var backAfter = await GatewayHealth.WaitForAsync(gateway, "silo", r => r.Contains(victim.Name) && r.Count == 3, HealthBound);
        output.WriteLine($"{victim.Name} was back in rotation {backAfter.TotalSeconds:F1} s after it reported ready");
    }

    [Fact]
    public async Task Failover_SiloKilledUnderLoad_NoAcknowledgedWriteLost()
    {
        var cluster = fixture.Cluster;
        using var gateway = cluster.CreateOperatorClient();
        var load = new FailoverLoad(gateway);
        var victim = cluster.Silos[1];

        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 2).Select(w => load.RunAsync(w, stop.Token)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(load.Acknowledged.Count > 0, "no write succeeded before the kill:\n" + cluster.Diagnostics());

        load.MarkKill();
        await victim.KillAsync();
        // Keep the load on until the cluster has served a long unbroken run again, at most a minute.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !(clock.Elapsed > TimeSpan.FromSeconds(12) && load.ConsecutiveSuccesses >= 40))
        {
            await Task.Delay(200);
        }
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine(load.Summary());
        Assert.True(load.ConsecutiveSuccesses >= 40, "the cluster did not serve again after the kill:\n" + load.Summary() + "\n" + cluster.Diagnostics());

        var lost = new List<string>();
        foreach (var id in load.Acknowledged.Keys)
        {
            if (await TenantClient.ReadWithPatienceAsync(gateway, id, TimeSpan.FromSeconds(30)) != HttpStatusCode.OK)
            {
                lost.Add(id);
            }
        }
        output.WriteLine($"acknowledged writes: {load.Acknowledged.Count}, lost: {lost.Count}");
        Assert.Empty(lost);

        victim.Start();
        await victim.WaitUntilHealthyAsync();
        await GatewayHealth.WaitForAsync(gateway, "silo", r => r.Count == 3, HealthBound);
    }
}
