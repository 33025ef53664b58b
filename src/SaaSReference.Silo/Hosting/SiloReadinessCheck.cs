using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace SaaSReference.Silo.Hosting;

/// <summary>
/// Ready only while this silo is an active member of the cluster: the gateway's active health probes take
/// a joining, shutting-down or evicted silo out of rotation.
/// </summary>
public sealed class SiloReadinessCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
