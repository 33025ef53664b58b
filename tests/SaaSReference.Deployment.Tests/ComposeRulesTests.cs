using SaaSReference.Database.Audit;
using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>
/// The compose checks catch the breakage they are for: each runs on a copy of the real file broken in one way.
/// This part holds the copy and the ways of breaking it; the tests are in one part per check (<see cref="ComposeRules"/>).
/// </summary>
public sealed partial class ComposeRulesTests
{
    private readonly ComposeFile compose = ComposeFile.Parse(File.ReadAllText(Repo.PathOf(ComposeFile.FileName)));

    private const string PrivateKey = "<private key>";
    private const string PublicKey = "<public key>";
    private const string OtherPublicKey = "<other public key>";

    private static readonly Lazy<(string Private, string Public, string OtherPublic)> TestKeys = new(() =>
    {
        using var key = new AuditCheckpointKeys(AuditCheckpointKeys.NewPrivateKey());
        using var other = new AuditCheckpointKeys(AuditCheckpointKeys.NewPrivateKey());
        return (Convert.ToBase64String(AuditCheckpointKeys.NewPrivateKey()), Convert.ToBase64String(key.SigningPublicKey!),
            Convert.ToBase64String(other.SigningPublicKey!));
    });

    /// <summary>A theory's value, the names that stand for freshly generated keys replaced by those keys (base64 PKCS#8 / SubjectPublicKeyInfo).</summary>
    private static string Keys(string value) => value switch
    {
        PrivateKey => TestKeys.Value.Private,
        PublicKey => TestKeys.Value.Public,
        OtherPublicKey => TestKeys.Value.OtherPublic,
        _ => value,
    };

    private void SetOnEverySilo(string key, string value)
    {
        foreach (var silo in compose.ServicesOfRole("silo"))
        {
            Set(silo.Map("environment")!, key, new YamlScalarNode(value));
        }
    }

    private static void Remove(YamlMappingNode map, string key)
    {
        foreach (var existing in map.Children.Keys.Where(k => k is YamlScalarNode s && s.Value == key).ToList())
        {
            map.Children.Remove(existing);
        }
    }

    private static string Serialize(YamlNode root)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static YamlMappingNode Condition(string condition) => new(new YamlScalarNode("condition"), new YamlScalarNode(condition));

    private static void Set(YamlMappingNode map, string key, YamlNode value)
    {
        foreach (var existing in map.Children.Keys.Where(k => k is YamlScalarNode s && s.Value == key).ToList())
        {
            map.Children.Remove(existing);
        }
        map.Children.Add(new YamlScalarNode(key), value);
    }
}
