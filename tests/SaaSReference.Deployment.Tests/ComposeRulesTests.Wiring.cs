using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>The services' wiring: published ports, start order, configuration keys, the gateway's destinations.</summary>
public sealed partial class ComposeRulesTests
{
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

    [Fact]
    public void EnvironmentKeys_AuditSettingTypoOrAuditSettingOffTheSilos_IsReported()
    {
        Set(compose.Services["silo-1"].Map("environment")!, "Audit__CheckpointDir", new YamlScalarNode("/x"));
        Set(compose.Services["silo-2"].Map("environment")!, "Audit__CheckpointPublicKeys__01", new YamlScalarNode("x"));
        Set(compose.Services["identity-1"].Map("environment")!, "Audit__CheckpointSigningKey", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY:?x}"));
        var violations = ComposeRules.EnvironmentKeys(compose).ToList();
        Assert.Contains("silo-1 sets Audit__CheckpointDir, which silo does not read", violations);
        Assert.Contains("silo-2 sets Audit__CheckpointPublicKeys__01, which silo does not read", violations);
        Assert.Contains("identity-1 sets Audit__CheckpointSigningKey, which identity does not read", violations);
    }

    [Fact]
    public void EnvironmentKeys_RegionSettingTypoOrInvalidRegion_IsReported()
    {
        Set(compose.Services["silo-1"].Map("environment")!, "TenantStorage__Regions__jp-east__BackupDir", new YamlScalarNode("/x"));
        Set(compose.Services["silo-2"].Map("environment")!, "TenantStorage__Regions__JP_East__ConnectionString", new YamlScalarNode("Host=x"));
        var violations = ComposeRules.EnvironmentKeys(compose).ToList();
        Assert.Contains("silo-1 sets TenantStorage__Regions__jp-east__BackupDir, which silo does not read", violations);
        Assert.Contains("silo-2 sets TenantStorage__Regions__JP_East__ConnectionString, which silo does not read", violations);
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
}
