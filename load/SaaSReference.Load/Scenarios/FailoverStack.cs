using System.Globalization;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// The failover scenario's throwaway platform: 3 silos (one Orleans cluster over the given database), optionally
/// identity instances, and the gateway in front, each a <see cref="ServiceProcess"/> on free loopback ports.
/// Unlike a test, the runner is started from any folder, so every service gets its own build output folder as
/// content root (ASPNETCORE_CONTENTROOT): each reads its own appsettings.json, as deployed.
/// </summary>
internal sealed class FailoverStack : IAsyncDisposable
{
    private readonly List<ServiceProcess> _all = [];

    private FailoverStack(string bootstrapKey) => BootstrapKey = bootstrapKey;

    public string BootstrapKey { get; }

    public List<ServiceProcess> Silos { get; } = [];

    public List<ServiceProcess> Identities { get; } = [];

    public ServiceProcess Gateway { get; private set; } = null!;

    public static async Task<FailoverStack> StartAsync(string connectionString, int silos, int identities, PlatformSeed seed)
    {
        var stack = new FailoverStack(SecretsFile.NewToken());
        var gatewayPort = FreePort.Next();
        var publicBase = $"http://127.0.0.1:{gatewayPort}";
        var issuer = publicBase + "/identity/";
        var clusterId = "load-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 1; i <= silos; i++)
        {
            stack.Silos.Add(stack.Process($"silo-{i}", "SaaSReference.Silo", FreePort.Next(), new()
            {
                ["ConnectionStrings__platform"] = connectionString,
                ["Orleans__ClusterId"] = clusterId,
                ["Orleans__ServiceId"] = clusterId,
                ["Orleans__SiloPort"] = Invariant(FreePort.Next()),
                ["Orleans__GatewayPort"] = Invariant(FreePort.Next()),
                ["Platform__BootstrapKey"] = stack.BootstrapKey,
                ["Identity__Issuer"] = issuer,
            }));
        }
        for (var i = 1; i <= identities; i++)
        {
            var environment = seed.IdentityEnvironment(publicBase);
            environment["ConnectionStrings__platform"] = connectionString;
            environment["Identity__Issuer"] = issuer;
            stack.Identities.Add(stack.Process($"identity-{i}", "SaaSReference.Identity", FreePort.Next(), environment));
        }
        var gateway = new Dictionary<string, string>
        {
            ["ConnectionStrings__platform"] = connectionString,
            // All the runner's requests come from one loopback address and carry the operator key, so they share
            // one anonymous per-address bucket: raised for the run (the tenants' plans are not what is measured).
            ["Gateway__RateLimiting__Anonymous__RequestsPerSecond"] = "5000",
            ["Gateway__RateLimiting__Anonymous__Burst"] = "10000",
        };
        if (identities > 0)
        {
            gateway["Gateway__Identity__Authority"] = issuer;
            gateway["Gateway__Identity__ClientId"] = PlatformSeed.GatewayClientId;
            gateway["Gateway__Identity__ClientSecret"] = seed.GatewayClientSecret;
        }
        foreach (var silo in stack.Silos)
        {
            gateway[$"ReverseProxy__Clusters__silo__Destinations__{silo.Name}__Address"] = silo.BaseAddress.ToString();
        }
        foreach (var identity in stack.Identities)
        {
            gateway[$"ReverseProxy__Clusters__identity__Destinations__{identity.Name}__Address"] = identity.BaseAddress.ToString();
        }
        stack.Gateway = stack.Process("gateway", "SaaSReference.Gateway", gatewayPort, gateway);
        try
        {
            // The first silo creates the schema; the others join the cluster it founded.
            stack.Silos[0].Start();
            await stack.Silos[0].WaitUntilHealthyAsync();
            var rest = stack.Silos.Skip(1).Concat(stack.Identities).ToList();
            rest.ForEach(p => p.Start());
            await Task.WhenAll(rest.Select(p => p.WaitUntilHealthyAsync()));
            stack.Gateway.Start();
            await stack.Gateway.WaitUntilHealthyAsync("/health/live");
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Everything each process printed lately, for a failed run.</summary>
    public string Diagnostics() => string.Join("\n", _all.Select(p => p.Output()));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _all)
        {
            await process.DisposeAsync();
        }
    }

    private ServiceProcess Process(string name, string project, int port, Dictionary<string, string> environment)
    {
        environment["ASPNETCORE_CONTENTROOT"] = Path.GetDirectoryName(BuildOutput.Assembly(project))!;
        var process = new ServiceProcess(name, project, port, environment);
        _all.Add(process);
        return process;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
