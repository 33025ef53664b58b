using SaaSReference.LocalInfrastructure;
using System.Globalization;

namespace SaaSReference.AppHost;

/// <summary>The platform's processes as Aspire resources: 3 silos, 2 identity instances and the gateway.</summary>
internal static class PlatformResources
{
    public static readonly string PublicBase = Url(LocalPorts.Gateway);
    public static readonly string Issuer = PublicBase + "/identity/";
    public const string GatewayClientId = "saasreference-gateway";
    public const string DemoMachineClientId = "demo-worker";

    public static void AddPlatform(this IDistributedApplicationBuilder builder, LocalPlatform platform)
    {
        var silos = Enumerable.Range(1, LocalPorts.SiloCount).Select(i =>
            builder.AddProject<Projects.SaaSReference_Silo>($"silo-{i}", launchProfileName: null)
                .WithHttpEndpoint(port: LocalPorts.SiloHttp(i), isProxied: false)
                .WithEnvironment("ConnectionStrings__platform", platform.ConnectionString)
                .WithEnvironment("Orleans__SiloPort", Invariant(LocalPorts.SiloToSilo(i)))
                .WithEnvironment("Orleans__GatewayPort", Invariant(LocalPorts.SiloGateway(i)))
                .WithEnvironment("Platform__BootstrapKey", platform.Secrets.BootstrapKey)
                .WithEnvironment("Audit__CheckpointSigningKey", platform.Secrets.AuditCheckpointSigningKey!)
                .WithEnvironment("Identity__Issuer", Issuer)
                .WithEnvironment(context =>
                {
                    foreach (var (key, value) in LocalRegions.AsEnvironment(platform.Regions))
                    {
                        context.EnvironmentVariables[key] = value;
                    }
                })
                .WithHttpHealthCheck("/health/ready")).ToList();

        var identities = Enumerable.Range(1, LocalPorts.IdentityCount).Select(i =>
            builder.AddProject<Projects.SaaSReference_Identity>($"identity-{i}", launchProfileName: null)
                .WithHttpEndpoint(port: LocalPorts.IdentityHttp(i), isProxied: false)
                .WithEnvironment("ConnectionStrings__platform", platform.ConnectionString)
                .WithEnvironment("Identity__Issuer", Issuer)
                .WithEnvironment(context => IdentitySeed.Apply(context.EnvironmentVariables, platform))
                .WithHttpHealthCheck("/health/ready")).ToList();

        var gateway = builder.AddProject<Projects.SaaSReference_Gateway>("gateway", launchProfileName: null)
            .WithHttpEndpoint(port: LocalPorts.Gateway, isProxied: false)
            .WithEnvironment("Urls", PublicBase)
            .WithEnvironment("ConnectionStrings__platform", platform.ConnectionString)
            .WithEnvironment("Gateway__Identity__Authority", Issuer)
            .WithEnvironment("Gateway__Identity__ClientId", GatewayClientId)
            .WithEnvironment("Gateway__Identity__ClientSecret", platform.Secrets.GatewayClientSecret!)
            .WithHttpHealthCheck("/health");
        for (var i = 1; i <= silos.Count; i++)
        {
            gateway.WithEnvironment($"ReverseProxy__Clusters__silo__Destinations__silo-{i}__Address", Url(LocalPorts.SiloHttp(i)) + "/");
            gateway.WaitFor(silos[i - 1]);
        }
        for (var i = 1; i <= identities.Count; i++)
        {
            gateway.WithEnvironment($"ReverseProxy__Clusters__identity__Destinations__identity-{i}__Address", Url(LocalPorts.IdentityHttp(i)) + "/");
            gateway.WaitFor(identities[i - 1]);
        }

        builder.Eventing.Subscribe<ResourceReadyEvent>(gateway.Resource, async (_, cancellationToken) =>
        {
            var seeded = await DemoSeed.EnsureAsync(platform.Secrets.BootstrapKey, cancellationToken);
            Console.WriteLine(Banner.Text(platform, seeded));
        });
    }

    // A plain string: an interpolated string here would bind to Aspire's ReferenceExpression overload.
    private static string Url(int port) => "http://127.0.0.1:" + Invariant(port);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What the AppHost knows about the local installation when it builds the app model.</summary>
internal sealed record LocalPlatform(string ConnectionString, string PostgresData, LocalSecrets Secrets,
    IReadOnlyList<DemoAccount> Accounts, IReadOnlyList<DemoAccount> NewAccounts, IReadOnlyDictionary<string, string> Regions);
