using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>The silos' tenant storage: each region at its own database, settings the silo accepts, pools within limits.</summary>
public sealed partial class ComposeRulesTests
{
    [Theory]
    [InlineData("Host=postgres;Port=5432;Database=saasreference;Username=${POSTGRES_USER:-saasreference};Password=${POSTGRES_PASSWORD:?x}", "the platform database")]
    [InlineData("Host=postgres-jp-west;Port=5432;Database=saasreference_jp_west;Username=${POSTGRES_USER:-saasreference};Password=${POSTGRES_PASSWORD:?x}", "not the region's database service postgres-jp-east")]
    [InlineData("Host=postgres-jp-east;Port=5433;Database=saasreference_jp_east;Username=${POSTGRES_USER:-saasreference};Password=${POSTGRES_PASSWORD:?x}", "uses port 5433")]
    [InlineData("Host=postgres-jp-east;Port=5432;Database=saasreference;Username=${POSTGRES_USER:-saasreference};Password=${POSTGRES_PASSWORD:?x}", "names database 'saasreference'")]
    [InlineData("Host=postgres-jp-east;Port=5432;Database=saasreference_jp_east;Username=postgres;Password=${POSTGRES_PASSWORD:?x}", "signs in as 'postgres'")]
    [InlineData("Host=postgres-jp-east;Port=5432;Database=saasreference_jp_east;Username=${POSTGRES_USER:-saasreference};Password=${REGION_PASSWORD:?x}", "does not take its password")]
    [InlineData("Host=postgres-jp-east;Port=5432;Database=saasreference_jp_east;Username=${POSTGRES_USER:-saasreference};Password=hunter2", "does not take its password")]
    [InlineData("", "ConnectionString is missing")]
    public void TenantStorage_ConnectionStringNotAtTheRegionsOwnDatabase_IsReported(string connectionString, string expected)
    {
        SetOnEverySilo("TenantStorage__Regions__jp-east__ConnectionString", connectionString);
        Assert.Contains(ComposeRules.TenantStorage(compose), v => v.StartsWith("silo-1:", StringComparison.Ordinal) && v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("TenantStorage__Regions__jp-east__BackupCopyRegion", "jp-east", "must be another configured region")]
    [InlineData("TenantStorage__Regions__jp-west__BackupCopyRegion", "jp-north", "must be another configured region")]
    [InlineData("TenantStorage__DefaultRegion", "jp-north", "is not one of the configured regions")]
    [InlineData("PlatformBackups__Directory", "/var/lib/saasreference/backups/jp-east/platform", "overlap")]
    [InlineData("PlatformBackups__Directory", "", "is not configured")]
    [InlineData("TenantStorage__Regions__jp-west__MaxPoolSize", "many", "settings of region jp-west do not bind")]
    public void TenantStorage_SettingsTheSiloRefuses_AreReported(string key, string value, string expected)
    {
        SetOnEverySilo(key, value);
        Assert.Contains(ComposeRules.TenantStorage(compose), v => v.StartsWith("silo-3:", StringComparison.Ordinal) && v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TenantStorage_RegionWithoutItsSettingsOrSilosThatDiffer_IsReported()
    {
        foreach (var setting in ComposeRules.RegionSettings)
        {
            Remove(compose.Services["silo-2"].Map("environment")!, ComposeRules.RegionSetting("jp-west", setting));
        }
        Set(compose.Services["silo-3"].Map("environment")!, "TenantStorage__DefaultRegion", new YamlScalarNode("jp-west"));
        var violations = ComposeRules.TenantStorage(compose).ToList();
        Assert.Contains("silo-2 configures no region jp-west, whose database is postgres-jp-west", violations);
        Assert.Contains(violations, v => v.StartsWith("silo-2 sets TenantStorage__Regions__jp-west__ConnectionString unlike silo-1", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("silo-3 sets TenantStorage__DefaultRegion unlike silo-1", StringComparison.Ordinal));
    }

    [Fact]
    public void TenantStorage_PoolsBeyondTheRegionServersConnections_IsReported()
    {
        SetOnEverySilo("TenantStorage__Regions__jp-east__MaxPoolSize", "20");
        Assert.Contains(ComposeRules.TenantStorage(compose), v => v.StartsWith("postgres-jp-east: the silos may open 120 connections", StringComparison.Ordinal));
        Set(compose.Services["postgres-jp-east"].Node, "command", new YamlSequenceNode(new YamlScalarNode("postgres"), new YamlScalarNode("-c"), new YamlScalarNode("max_connections=200")));
        Assert.DoesNotContain(ComposeRules.TenantStorage(compose), v => v.StartsWith("postgres-jp-east:", StringComparison.Ordinal));
    }
}
