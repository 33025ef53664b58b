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

    /// <summary>silo, identity, gateway or postgres (from the service name: <c>silo-2</c> is a silo).</summary>
    public string Role { get; } = InstanceName().Match(name) is { Success: true } m ? m.Groups[1].Value : name;

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

    [System.Text.RegularExpressions.GeneratedRegex(@"^(silo|identity)-\d+$")]
    private static partial System.Text.RegularExpressions.Regex InstanceName();
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
