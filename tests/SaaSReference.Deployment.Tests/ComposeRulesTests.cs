using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>The compose checks catch the breakage they are for: each runs on a copy of the real file broken in one way.</summary>
public sealed class ComposeRulesTests
{
    private readonly ComposeFile compose = ComposeFile.Parse(File.ReadAllText(Repo.PathOf(ComposeFile.FileName)));

    [Fact]
    public void PublishedPorts_SiloPublishing_IsReported()
    {
        Set(compose.Services["silo-2"].Node, "ports", new YamlSequenceNode(new YamlScalarNode("11111:11111")));
        Assert.Contains(ComposeRules.PublishedPorts(compose), v => v.StartsWith("silo-2 ", StringComparison.Ordinal));
    }

    [Fact]
    public void DependsOn_UnknownServiceOrStartedCondition_IsReported()
    {
        Set(compose.Services["gateway"].Map("depends_on")!, "silo-4", Condition("service_healthy"));
        Set(compose.Services["identity-1"].Map("depends_on")!, "postgres", Condition("service_started"));
        Set(compose.Services["silo-3"].Node, "depends_on", new YamlSequenceNode(new YamlScalarNode("postgres")));
        var violations = ComposeRules.DependsOn(compose).ToList();
        Assert.Contains(violations, v => v.Contains("silo-4, which is not a service", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("'service_started'", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("silo-3 depends on postgres with condition ''", StringComparison.Ordinal));
    }

    [Fact]
    public void EnvironmentKeys_Typo_IsReported()
    {
        Set(compose.Services["silo-1"].Map("environment")!, "Orleans__ClusterID", new YamlScalarNode("x"));
        Set(compose.Services["gateway"].Map("environment")!, "ReverseProxy__Cluster__silo__Destinations__silo-1__Address", new YamlScalarNode("http://silo-1:8080/"));
        var violations = ComposeRules.EnvironmentKeys(compose).ToList();
        Assert.Contains("silo-1 sets Orleans__ClusterID, which silo does not read", violations);
        Assert.Contains(violations, v => v.StartsWith("gateway sets ReverseProxy__Cluster__", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ReverseProxy__Clusters__silo__Destinations__silo-1__Address", "http://silo-9:8080/", "not a service")]
    [InlineData("ReverseProxy__Clusters__silo__Destinations__silo-1__Address", "http://silo-1:80/", "uses port 80")]
    [InlineData("ReverseProxy__Clusters__identity__Destinations__identity-1__Address", "http://silo-1:8080/", "a silo")]
    public void GatewayDestinations_WrongHostPortOrCluster_IsReported(string key, string address, string expected)
    {
        Set(compose.Services["gateway"].Map("environment")!, key, new YamlScalarNode(address));
        Assert.Contains(ComposeRules.GatewayDestinations(compose), v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("silo-1", "ConnectionStrings__platform", "Host=postgres;Database=saasreference;Username=u;Password=hunter2")]
    [InlineData("identity-2", "ConnectionStrings__platform", "Host=postgres;Password=${POSTGRES_PASSWORD:-changeme}")]
    [InlineData("silo-2", "Platform__BootstrapKey", "0123456789abcdef")]
    [InlineData("postgres", "POSTGRES_PASSWORD", "${POSTGRES_PASSWORD}")]
    public void Secrets_LiteralOrOptionalSecret_IsReported(string service, string key, string value)
    {
        Set(compose.Services[service].Map("environment")!, key, new YamlScalarNode(value));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith(service + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_LiteralInListFormEnvironment_IsReported()
    {
        Set(compose.Services["postgres"].Node, "environment", new YamlSequenceNode(new YamlScalarNode("POSTGRES_PASSWORD=hunter2")));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith("postgres:", StringComparison.Ordinal));
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
