using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>The region databases: one unpublished, healthchecked PostgreSQL of its own per region.</summary>
public sealed partial class ComposeRulesTests
{
    [Theory]
    [InlineData("ports", "published ports")]
    [InlineData("healthcheck", "pg_isready")]
    [InlineData("volume", "no declared named volume")]
    [InlineData("shared-volume", "holds the data of")]
    [InlineData("database", "never the platform's")]
    [InlineData("image", "not the platform database's")]
    [InlineData("network", "private network")]
    public void RegionDatabases_PublishedUnhealthyVolatileOrSharedDatabase_IsReported(string breakage, string expected)
    {
        var region = compose.Services["postgres-jp-west"];
        switch (breakage)
        {
            case "ports":
                Set(region.Node, "ports", new YamlSequenceNode(new YamlScalarNode("5433:5432")));
                expected = "postgres-jp-west publishes";
                break;
            case "healthcheck":
                Remove(region.Node, "healthcheck");
                break;
            case "volume":
                Remove(region.Node, "volumes");
                break;
            case "shared-volume":
                Set(region.Node, "volumes", new YamlSequenceNode(new YamlScalarNode("pgdata:/var/lib/postgresql/data")));
                break;
            case "database":
                Set(region.Map("environment")!, "POSTGRES_DB", new YamlScalarNode("saasreference"));
                break;
            case "image":
                Set(region.Node, "image", new YamlScalarNode("postgres:16"));
                break;
            case "network":
                Set(region.Node, "networks", new YamlSequenceNode(new YamlScalarNode("default")));
                break;
        }
        Assert.Contains(ComposeRules.RegionDatabases(compose), v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void RegionDatabases_None_IsReported()
    {
        var services = Yaml.Map(compose.Root, "services")!;
        Remove(services, "postgres-jp-east");
        Remove(services, "postgres-jp-west");
        Assert.Contains(ComposeRules.RegionDatabases(ComposeFile.Parse(Serialize(compose.Root))), v => v.StartsWith("no region database", StringComparison.Ordinal));
    }
}
