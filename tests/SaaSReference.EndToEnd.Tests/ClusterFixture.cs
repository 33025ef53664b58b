using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>A throwaway PostgreSQL plus the platform as processes: 3 silos, 2 identity instances, the gateway.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private PlatformCluster? _cluster;

    public const string MachineTenant = "machine-co";

    /// <summary>
    /// How long the identity service's access tokens live here. The gateway refreshes a session's token 60 s before
    /// it expires, so a browser session asks for a new one every 10 s: often enough to watch refreshes in a test.
    /// </summary>
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(70);

    /// <summary>A machine client of <see cref="MachineTenant"/>, for token issuance through the gateway.</summary>
    public SeedMachineClient MachineClient { get; } = new("machine-co-worker", SecretsFile.NewToken(), MachineTenant);

    /// <summary>People of <see cref="MachineTenant"/> without a privileged role: they sign in with a password alone.</summary>
    public IReadOnlyList<SeedUser> Users { get; } = [.. Enumerable.Range(1, 4).Select(i => new SeedUser(
        $"user-{i}@{MachineTenant}.example", string.Join('-', Enumerable.Range(0, 4).Select(_ => SecretsFile.NewToken(5))), MachineTenant, "tenant-user"))];

    private PlatformSeed Seed => new(Users, [MachineClient]) { AccessTokenLifetime = AccessTokenLifetime };

    public PlatformCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public string ConnectionString => _postgres.ConnectionString;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _cluster = await PlatformCluster.StartAsync(_postgres.ConnectionString, await _postgres.CreateRegionSettingsAsync(), silos: 3, identities: 2, gateway: true, seed: Seed);
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
