using System.Text.RegularExpressions;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// Checks on the compose file, each returning what breaks it (empty when it holds), so that the tests can
/// show them both holding on the real file and catching a broken copy.
/// </summary>
internal static partial class ComposeRules
{
    public const int ContainerHttpPort = 8080;
    public const string Gateway = "gateway";

    public static readonly string[] ExpectedServices = ["postgres", "silo-1", "silo-2", "silo-3", "identity-1", "identity-2", Gateway];

    /// <summary>The configuration keys each role reads (fixed by the services; anything else is a typo).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedEnvironment = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["postgres"] = ["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"],
        ["silo"] =
        [
            "ConnectionStrings__platform", "Orleans__ClusterId", "Orleans__ServiceId", "Orleans__SiloPort",
            "Orleans__GatewayPort", "Orleans__AdvertisedIP", "Platform__BootstrapKey",
            "Identity__Issuer",
        ],
        ["identity"] =
        [
            "ConnectionStrings__platform", "Identity__Issuer",
            "Identity__Clients__Gateway__ClientSecret", "Identity__Clients__Gateway__RedirectUris__0",
            "Identity__Clients__Gateway__PostLogoutRedirectUris__0",
        ],
        [Gateway] =
        [
            "Urls", "ConnectionStrings__platform",
            "Gateway__Identity__Authority", "Gateway__Identity__ClientId", "Gateway__Identity__ClientSecret", "Gateway__Identity__MetadataAddress",
            "Gateway__Https__Port", "Gateway__Https__CertificateFolder", "Gateway__Https__RedirectHttp",
        ],
    };

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
        where !AllowedEnvironment[service.Role].Contains(key) && !(service.Role == Gateway && DestinationKey().IsMatch(key))
        select $"{service.Name} sets {key}, which {service.Role} does not read";

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

    /// <summary>
    /// No secret literal: secret-named environment values are exactly a required <c>${VAR:?message}</c>, every
    /// <c>name=value</c> with a secret-like name inside any value starts with one, and secret-named variables
    /// are never given a default.
    /// </summary>
    public static IEnumerable<string> Secrets(ComposeFile compose)
    {
        foreach (var service in compose.Services.Values)
        {
            foreach (var (key, value) in service.Environment.Where(e => SecretName().IsMatch(e.Key)))
            {
                if (!RequiredVariableOnly().IsMatch(value))
                {
                    yield return $"{service.Name}: {key} is not a required ${{VAR:?...}} variable";
                }
            }
            foreach (var scalar in Yaml.Scalars(service.Node).Select(s => s.Replace("$$", "", StringComparison.Ordinal)))
            {
                foreach (Match assignment in Assignment().Matches(scalar))
                {
                    if (SecretName().IsMatch(assignment.Groups["name"].Value) && !RequiredVariableStart().IsMatch(assignment.Groups["value"].Value))
                    {
                        yield return $"{service.Name}: {assignment.Groups["name"].Value}= is followed by a literal, not a required variable";
                    }
                }
                foreach (Match variable in Interpolation().Matches(scalar))
                {
                    if (SecretName().IsMatch(variable.Groups["name"].Value) && !variable.Groups["op"].Value.EndsWith('?'))
                    {
                        yield return $"{service.Name}: ${{{variable.Groups["name"].Value}}} may be unset or defaulted; secrets must use :?";
                    }
                }
            }
        }
    }

    /// <summary>Names of the variables the file requires (<c>${NAME:?...}</c>).</summary>
    public static IReadOnlySet<string> RequiredVariables(ComposeFile compose) => compose.Services.Values
        .SelectMany(s => Yaml.Scalars(s.Node))
        .SelectMany(s => Interpolation().Matches(s.Replace("$$", "", StringComparison.Ordinal)))
        .Where(m => m.Groups["op"].Value.EndsWith('?'))
        .Select(m => m.Groups["name"].Value)
        .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^ReverseProxy__Clusters__(?<cluster>silo|identity)__Destinations__(?<destination>[a-z0-9-]+)__Address$")]
    private static partial Regex DestinationKey();

    [GeneratedRegex("password|passwd|pwd|secret|token|key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<op>:?[-?+])?[^}]*\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]+\}$")]
    private static partial Regex RequiredVariableOnly();

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]+\}")]
    private static partial Regex RequiredVariableStart();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?<value>[^;]*)")]
    private static partial Regex Assignment();
}
