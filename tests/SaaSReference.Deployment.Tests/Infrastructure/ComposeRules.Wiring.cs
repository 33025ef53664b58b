using System.Text.RegularExpressions;
using SaaSReference.Database.TenantData;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// How the services are wired together: only the gateway is published, start order waits for health, each service
/// sets only the configuration keys it reads, and the gateway's reverse-proxy destinations are the right services.
/// </summary>
internal static partial class ComposeRules
{
    public static IEnumerable<string> PublishedPorts(ComposeFile compose) =>
        compose.Services.Values.Where(s => s.Name != Gateway && s.Ports.Count > 0)
            .Select(s => $"{s.Name} publishes ports {string.Join(", ", s.Ports)}; only the gateway may (9.1.2a)");

    public static IEnumerable<string> DependsOn(ComposeFile compose)
    {
        foreach (var service in compose.Services.Values)
        {
            foreach (var (target, condition) in service.DependsOn)
            {
                if (!compose.Services.ContainsKey(target))
                {
                    yield return $"{service.Name} depends on {target}, which is not a service";
                }
                if (condition != "service_healthy")
                {
                    yield return $"{service.Name} depends on {target} with condition '{condition}', not service_healthy";
                }
            }
        }
    }

    public static IEnumerable<string> EnvironmentKeys(ComposeFile compose) =>
        from service in compose.Services.Values
        where AllowedEnvironment.ContainsKey(service.Role)
        from key in service.Environment.Keys
        where !AllowedEnvironment[service.Role].Contains(key)
            && !(service.Role == Gateway && DestinationKey().IsMatch(key))
            && !(service.Role == "silo" && (IsRegionSetting(key) || IsCheckpointPublicKeySetting(key)))
        select $"{service.Name} sets {key}, which {service.Role} does not read";

    private static bool IsRegionSetting(string key) =>
        RegionKey().Match(key) is { Success: true } m
        && TenantStorageOptions.IsValidRegionName(m.Groups["region"].Value)
        && RegionSettings.Contains(m.Groups["setting"].Value);

    /// <summary>Every reverse-proxy destination names a service of the right cluster, on its container port.</summary>
    public static IEnumerable<string> GatewayDestinations(ComposeFile compose)
    {
        var gateway = compose.Services[Gateway];
        foreach (var (key, address) in gateway.Environment)
        {
            var match = DestinationKey().Match(key);
            if (!match.Success)
            {
                continue;
            }
            var (cluster, destination) = (match.Groups["cluster"].Value, match.Groups["destination"].Value);
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                yield return $"{key}={address} is not an absolute URI";
                continue;
            }
            if (!compose.Services.TryGetValue(uri.Host, out var target))
            {
                yield return $"{key} points at {uri.Host}, which is not a service";
                continue;
            }
            if (target.Role != cluster || destination != target.Name)
            {
                yield return $"{key} points at {target.Name} (a {target.Role}), not destination {destination} of cluster {cluster}";
            }
            if (uri.Port != ContainerHttpPort)
            {
                yield return $"{key} uses port {uri.Port}; {target.Name} listens on {ContainerHttpPort}";
            }
        }
    }

    [GeneratedRegex(@"^ReverseProxy__Clusters__(?<cluster>silo|identity)__Destinations__(?<destination>[a-z0-9-]+)__Address$")]
    private static partial Regex DestinationKey();
}
