using SaaSReference.Testing;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>A throwaway PostgreSQL plus the platform as processes: 3 silos, 2 identity instances, the gateway.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private PlatformCluster? _cluster;

    public const string MachineTenant = "machine-co";

    /// <summary>A machine client of <see cref="MachineTenant"/>, for token issuance through the gateway.</summary>
    public SeedMachineClient MachineClient { get; } = new("machine-co-worker", SaaSReference.LocalInfrastructure.SecretsFile.NewToken(), MachineTenant);

    private PlatformSeed Seed => new([], [MachineClient]);

    public PlatformCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _cluster = await PlatformCluster.StartAsync(_postgres.ConnectionString, silos: 3, identities: 2, gateway: true, seed: Seed);
        using var gateway = Cluster.CreateOperatorClient();
        await GatewayHealth.WaitForAsync(gateway, "silo", rotation => rotation.Count == 3, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }
}
