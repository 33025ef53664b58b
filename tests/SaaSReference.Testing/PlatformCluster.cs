using System.Globalization;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Testing;

/// <summary>
/// The platform as real OS processes on loopback: N silos forming one Orleans cluster over the given
/// PostgreSQL database, M identity instances, and the gateway in front of them, each on free ports.
/// </summary>
public sealed class PlatformCluster : IAsyncDisposable
{
    private PlatformCluster(string bootstrapKey, IReadOnlyList<ServiceProcess> silos, IReadOnlyList<ServiceProcess> identities, IReadOnlyList<ServiceProcess> gateways)
    {
        BootstrapKey = bootstrapKey;
        Silos = silos;
        Identities = identities;
        Gateways = gateways;
    }

    public string BootstrapKey { get; }
    public IReadOnlyList<ServiceProcess> Silos { get; }
    public IReadOnlyList<ServiceProcess> Identities { get; }
    /// <summary>The first gateway: the public entry whose address the issuer is derived from.</summary>
    public ServiceProcess? Gateway => Gateways.Count > 0 ? Gateways[0] : null;

    /// <summary>Every gateway instance (more than one only when asked for).</summary>
    public IReadOnlyList<ServiceProcess> Gateways { get; }

    /// <summary>The gateway's public base URL (also when no gateway runs: the issuer is derived from it).</summary>
    public string PublicBase { get; private init; } = "";

    /// <summary>The OpenID Connect issuer: the identity service behind the gateway.</summary>
    public string Issuer => PublicBase + "/identity/";

    /// <summary>Starts the processes and waits until each is healthy.</summary>
    /// <param name="connectionString">The platform's PostgreSQL database.</param>
    /// <param name="silos">Silo processes (one Orleans cluster).</param>
    /// <param name="identities">Identity service instances.</param>
    /// <param name="gateway">Whether a gateway runs in front.</param>
    /// <param name="seed">Users, machine clients and token settings of the identity service.</param>
    /// <param name="extraGateways">Gateway instances beyond the first, on ports of their own, with the same configuration.</param>
    /// <param name="siloSettings">More settings of every silo (configuration keys with ':'): the tenant regions of
    /// <see cref="PostgresFixture.CreateRegionSettingsAsync"/>, which a silo needs.</param>
    public static async Task<PlatformCluster> StartAsync(string connectionString, IReadOnlyDictionary<string, string> siloSettings, int silos = 3, int identities = 0,
        bool gateway = true, PlatformSeed? seed = null, int extraGateways = 0)
    {
        ArgumentNullException.ThrowIfNull(siloSettings);
        seed ??= PlatformSeed.None;
        var key = SecretsFile.NewToken();
        var gatewayPort = FreePort.Next();
        var publicBase = $"http://127.0.0.1:{gatewayPort}";
        var issuer = publicBase + "/identity/";
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        var siloProcesses = Enumerable.Range(1, silos).Select(i => new ServiceProcess($"silo-{i}", "SaaSReference.Silo", FreePort.Next(), new Dictionary<string, string>
        {
            ["ConnectionStrings__platform"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Orleans__SiloPort"] = Invariant(FreePort.Next()),
            ["Orleans__GatewayPort"] = Invariant(FreePort.Next()),
            ["Platform__BootstrapKey"] = key,
            ["Identity__Issuer"] = issuer,
        }.Concat(LocalRegions.AsEnvironment(siloSettings)).ToDictionary())).ToList();
        var identityEnvironment = seed.IdentityEnvironment(publicBase);
        identityEnvironment["ConnectionStrings__platform"] = connectionString;
        identityEnvironment["Identity__Issuer"] = issuer;
        var identityProcesses = Enumerable.Range(1, identities)
            .Select(i => new ServiceProcess($"identity-{i}", "SaaSReference.Identity", FreePort.Next(), identityEnvironment)).ToList();

        var gatewayProcesses = new List<ServiceProcess>();
        if (gateway)
        {
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__platform"] = connectionString,
                // Every test client shares one loopback address, so all anonymous traffic (the bootstrap operator key,
                // every token request) lands in one per-address bucket: sized for a whole test run, not one person.
                ["Gateway__RateLimiting__Anonymous__RequestsPerSecond"] = "5000",
                ["Gateway__RateLimiting__Anonymous__Burst"] = "10000",
            };
            if (identities > 0)
            {
                environment["Gateway__Identity__Authority"] = issuer;
                environment["Gateway__Identity__ClientId"] = PlatformSeed.GatewayClientId;
                environment["Gateway__Identity__ClientSecret"] = seed.GatewayClientSecret;
            }
            // The gateway's production configuration names no destinations: only this cluster's processes exist.
            foreach (var silo in siloProcesses)
            {
                environment[$"ReverseProxy__Clusters__silo__Destinations__{silo.Name}__Address"] = silo.BaseAddress.ToString();
            }
            foreach (var identity in identityProcesses)
            {
                environment[$"ReverseProxy__Clusters__identity__Destinations__{identity.Name}__Address"] = identity.BaseAddress.ToString();
            }
            gatewayProcesses.Add(new ServiceProcess("gateway", "SaaSReference.Gateway", gatewayPort, environment));
            for (var i = 1; i <= extraGateways; i++)
            {
                gatewayProcesses.Add(new ServiceProcess($"gateway-{i + 1}", "SaaSReference.Gateway", FreePort.Next(), environment));
            }
        }

        var cluster = new PlatformCluster(key, siloProcesses, identityProcesses, gatewayProcesses) { PublicBase = publicBase };
        try
        {
            // The first silo creates the schema; the others join the cluster it founded.
            siloProcesses[0].Start();
            await siloProcesses[0].WaitUntilHealthyAsync();
            foreach (var process in siloProcesses.Skip(1).Concat(identityProcesses))
            {
                process.Start();
            }
            await Task.WhenAll(siloProcesses.Skip(1).Concat(identityProcesses).Select(p => p.WaitUntilHealthyAsync()));
            foreach (var gatewayProcess in gatewayProcesses)
            {
                gatewayProcess.Start();
            }
            await Task.WhenAll(gatewayProcesses.Select(g => g.WaitUntilHealthyAsync("/health/live")));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client for the gateway that authenticates as the bootstrap operator.</summary>
    public HttpClient CreateOperatorClient(ServiceProcess? target = null)
    {
        var http = new HttpClient { BaseAddress = (target ?? Gateway ?? Silos[0]).BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Operator-Key", BootstrapKey);
        return http;
    }

    /// <summary>Everything each process printed, for a failing test's message.</summary>
    public string Diagnostics() =>
        string.Join("\n", Silos.Concat(Identities).Concat(Gateways).Select(p => p.Output()));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Silos.Concat(Identities).Concat(Gateways))
        {
            await process.DisposeAsync();
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
