using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>docker-compose.yml as YAML, with merge keys (<c>&lt;&lt;: *anchor</c>) resolved as Compose does.</summary>
internal sealed class ComposeFile
{
    public const string FileName = "docker-compose.yml";

    private ComposeFile(YamlMappingNode root)
    {
        Root = root;
        Services = Yaml.Map(root, "services")?.Children
            .ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => new ComposeService(((YamlScalarNode)e.Key).Value!, (YamlMappingNode)e.Value), StringComparer.Ordinal)
            ?? [];
    }

    public YamlMappingNode Root { get; }

    public IReadOnlyDictionary<string, ComposeService> Services { get; }

    public static ComposeFile Load() => Parse(File.ReadAllText(Repo.PathOf(FileName)));

    public static ComposeFile Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(new StringReader(yaml))));
        return new ComposeFile((YamlMappingNode)stream.Documents[0].RootNode);
    }

    public IEnumerable<ComposeService> ServicesOfRole(string role) => Services.Values.Where(s => s.Role == role);

    /// <summary>Top-level section names (networks, volumes, ...).</summary>
    public IReadOnlyList<string> Keys(string section) =>
        Yaml.Map(Root, section)?.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList() ?? [];
}

/// <summary>One service of the compose file.</summary>
internal sealed partial class ComposeService(string name, YamlMappingNode node)
{
    public string Name { get; } = name;

    public YamlMappingNode Node { get; } = node;

    /// <summary>
    /// silo, identity, gateway, postgres (the platform database) or region-postgres (a tenant region's database), from the
    /// service name: <c>silo-2</c> is a silo, <c>postgres-jp-east</c> the database of region jp-east.
    /// </summary>
    public string Role { get; } = InstanceName().Match(name) is { Success: true } m
        ? (m.Groups["region"].Success ? ComposeRules.RegionDatabaseRole : m.Groups["role"].Value)
        : name;

    /// <summary>The region of a region database (<c>jp-east</c> for <c>postgres-jp-east</c>), else null.</summary>
    public string? Region { get; } = InstanceName().Match(name) is { Success: true } m && m.Groups["region"].Success ? m.Groups["region"].Value : null;

    public string? Scalar(string key) => (Yaml.Get(Node, key) as YamlScalarNode)?.Value;

    public YamlMappingNode? Map(string key) => Yaml.Map(Node, key);

    public IReadOnlyDictionary<string, string> Environment => Yaml.KeyValues(Yaml.Get(Node, "environment"));

    /// <summary>Services depended on, with their condition (null in the short list form, which has none).</summary>
    public IReadOnlyDictionary<string, string?> DependsOn => Yaml.Get(Node, "depends_on") switch
    {
        YamlSequenceNode list => list.Children.ToDictionary(n => ((YamlScalarNode)n).Value!, _ => (string?)null),
        YamlMappingNode map => map.Children.ToDictionary(
            e => ((YamlScalarNode)e.Key).Value!,
            e => e.Value is YamlMappingNode m ? (Yaml.Get(m, "condition") as YamlScalarNode)?.Value : null),
        _ => new Dictionary<string, string?>(),
    };

    /// <summary>Published ports as (host, container); host is null when Docker picks one.</summary>
    public IReadOnlyList<(string? Host, string Container)> Ports => Yaml.Get(Node, "ports") is YamlSequenceNode seq
        ? seq.Children.Select(ParsePort).ToList()
        : [];

    /// <summary>What the service mounts (short <c>source:target[:mode]</c> or long form).</summary>
    public IReadOnlyList<ComposeMount> Mounts => Yaml.Get(Node, "volumes") is YamlSequenceNode seq
        ? seq.Children.Select(ComposeMount.Parse).ToList()
        : [];

    public IReadOnlyList<string> Networks => Yaml.Get(Node, "networks") switch
    {
        YamlSequenceNode list => list.Children.Select(n => ((YamlScalarNode)n).Value!).ToList(),
        YamlMappingNode map => map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList(),
        _ => [],
    };

    public override string ToString() => Name;

    private static (string?, string) ParsePort(YamlNode node)
    {
        if (node is YamlMappingNode m)
        {
            return ((Yaml.Get(m, "published") as YamlScalarNode)?.Value, ((YamlScalarNode)Yaml.Get(m, "target")!).Value!);
        }
        // [ip:]host:container[/proto] or container
        var parts = ((YamlScalarNode)node).Value!.Split('/')[0].Split(':');
        return parts.Length == 1 ? (null, parts[0]) : (parts[^2], parts[^1]);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:(?<role>silo|identity)-\d+|postgres-(?<region>[a-z]{2}-[a-z0-9]{2,20}))$")]
    private static partial System.Text.RegularExpressions.Regex InstanceName();
}

/// <summary>One entry of a service's <c>volumes</c>: a named volume, a bind mount (host path) or an anonymous volume.</summary>
internal sealed record ComposeMount(string Type, string? Source, string Target, bool ReadOnly)
{
    /// <summary>A volume with a name, declared under the top-level <c>volumes</c> and kept across containers.</summary>
    public bool IsNamedVolume => Type == "volume" && !string.IsNullOrEmpty(Source);

    public static ComposeMount Parse(YamlNode node)
    {
        if (node is YamlMappingNode map)
        {
            var type = (Yaml.Get(map, "type") as YamlScalarNode)?.Value ?? "volume";
            var source = (Yaml.Get(map, "source") as YamlScalarNode)?.Value;
            var target = (Yaml.Get(map, "target") as YamlScalarNode)?.Value ?? "";
            return new ComposeMount(type, source, target, (Yaml.Get(map, "read_only") as YamlScalarNode)?.Value == "true");
        }
        // [source:]target[:mode]; a source that is a path is a bind mount, a name is a named volume.
        var parts = ((YamlScalarNode)node).Value!.Split(':');
        if (parts.Length == 1)
        {
            return new ComposeMount("volume", null, parts[0], false);
        }
        var bind = parts[0].StartsWith('/') || parts[0].StartsWith('.') || parts[0].StartsWith('~') || parts[0].StartsWith('$');
        var readOnly = parts.Length > 2 && parts[2].Split(',').Contains("ro");
        return new ComposeMount(bind ? "bind" : "volume", parts[0], parts[1], readOnly);
    }

    public override string ToString() => $"{Source ?? "(anonymous)"}:{Target}";
}

internal static class Yaml
{
    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(e => e.Key is YamlScalarNode k && k.Value == key).Value;

    public static YamlMappingNode? Map(YamlMappingNode map, string key) => Get(map, key) as YamlMappingNode;

    /// <summary>A mapping or a <c>KEY=VALUE</c> list (both are valid for environment) as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> KeyValues(YamlNode? node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => (e.Value as YamlScalarNode)?.Value ?? ""),
        YamlSequenceNode list => list.Children.Select(n => ((YamlScalarNode)n).Value!.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : ""),
        _ => new Dictionary<string, string>(),
    };

    /// <summary>Every scalar below a node (keys and values).</summary>
    public static IEnumerable<string> Scalars(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value is null ? [] : [s.Value],
        YamlSequenceNode seq => seq.Children.SelectMany(Scalars),
        YamlMappingNode map => map.Children.SelectMany(e => Scalars(e.Key).Concat(Scalars(e.Value))),
        _ => [],
    };
}
