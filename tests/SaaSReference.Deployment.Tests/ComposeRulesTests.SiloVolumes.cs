using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>The silos' file stores: each on a declared, writable named volume of its own, shared by the silos only.</summary>
public sealed partial class ComposeRulesTests
{
    [Theory]
    [InlineData("TenantStorage__Regions__jp-west__BackupDirectory", "/tmp/backups", "backup site of region jp-west /tmp/backups is on no volume")]
    [InlineData("TenantKeys__Local__Directory", "/app/keys", "key store /app/keys is on no volume")]
    [InlineData("TenantKeys__Local__Directory", "keys", "not an absolute path")]
    [InlineData("PlatformBackups__Directory", "/var/lib/saasreference/tenant-keys", "share volume tenant-keys")]
    [InlineData("Audit__CheckpointDirectory", "/tmp/audit-checkpoints", "audit checkpoint log /tmp/audit-checkpoints is on no volume")]
    [InlineData("Audit__CheckpointDirectory", "/var/lib/saasreference/platform-backups", "share volume platform-backups")]
    [InlineData("Audit__CheckpointDirectory", "audit-checkpoints", "not an absolute path")]
    public void SiloVolumes_StoreOffItsVolume_IsReported(string key, string value, string expected)
    {
        SetOnEverySilo(key, value);
        Assert.Contains(ComposeRules.SiloVolumes(compose), v => v.StartsWith("silo-1:", StringComparison.Ordinal) && v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/srv/keys:/var/lib/saasreference/tenant-keys", "on bind mount")]
    [InlineData("/var/lib/saasreference/tenant-keys", "not a declared named volume")]
    [InlineData("undeclared-keys:/var/lib/saasreference/tenant-keys", "not a declared named volume")]
    [InlineData("tenant-keys:/var/lib/saasreference/tenant-keys:ro", "read-only")]
    [InlineData("platform-backups:/var/lib/saasreference/tenant-keys", "share volume platform-backups")]
    public void SiloVolumes_KeyStoreNotOnItsOwnWritableNamedVolume_IsReported(string mount, string expected)
    {
        var volumes = (YamlSequenceNode)Yaml.Get(compose.Services["silo-2"].Node, "volumes")!;
        var index = volumes.Children.ToList().FindIndex(n => ((YamlScalarNode)n).Value!.EndsWith(":/var/lib/saasreference/tenant-keys", StringComparison.Ordinal));
        volumes.Children[index] = new YamlScalarNode(mount);
        Assert.Contains(ComposeRules.SiloVolumes(compose), v => v.StartsWith("silo-2", StringComparison.Ordinal) && v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/srv/audit:/var/lib/saasreference/audit-checkpoints", "on bind mount")]
    [InlineData("/var/lib/saasreference/audit-checkpoints", "not a declared named volume")]
    [InlineData("audit-checkpoints:/var/lib/saasreference/audit-checkpoints:ro", "read-only")]
    [InlineData("pgdata:/var/lib/saasreference/audit-checkpoints", "mounts pgdata as the audit checkpoint log, silo-1 audit-checkpoints")]
    public void SiloVolumes_CheckpointLogNotOnTheSharedWritableNamedVolume_IsReported(string mount, string expected)
    {
        var volumes = (YamlSequenceNode)Yaml.Get(compose.Services["silo-2"].Node, "volumes")!;
        var index = volumes.Children.ToList().FindIndex(n => ((YamlScalarNode)n).Value!.EndsWith(":/var/lib/saasreference/audit-checkpoints", StringComparison.Ordinal));
        volumes.Children[index] = new YamlScalarNode(mount);
        Assert.Contains(ComposeRules.SiloVolumes(compose), v => v.StartsWith("silo-2", StringComparison.Ordinal) && v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void SiloVolumes_CheckpointLogMountedByTheDatabase_IsReported()
    {
        Set(compose.Services["postgres"].Node, "volumes", new YamlSequenceNode(
            new YamlScalarNode("pgdata:/var/lib/postgresql/data"), new YamlScalarNode("audit-checkpoints:/audit")));
        Assert.Contains(ComposeRules.SiloVolumes(compose), v => v.StartsWith("postgres mounts the silos' volume audit-checkpoints", StringComparison.Ordinal));
    }

    [Fact]
    public void SiloVolumes_KeyStoreInsideABackupSite_IsReported()
    {
        SetOnEverySilo("TenantKeys__Local__Directory", "/var/lib/saasreference/backups/jp-east/keys");
        foreach (var silo in compose.ServicesOfRole("silo"))
        {
            var volumes = (YamlSequenceNode)Yaml.Get(silo.Node, "volumes")!;
            volumes.Children.Remove(volumes.Children.Single(n => ((YamlScalarNode)n).Value!.StartsWith("tenant-keys:", StringComparison.Ordinal)));
            volumes.Children.Add(new YamlScalarNode("tenant-keys:/var/lib/saasreference/backups/jp-east/keys"));
        }
        Assert.Contains(ComposeRules.SiloVolumes(compose), v => v.StartsWith("silo-3: the backup site of region jp-east", StringComparison.Ordinal) && v.EndsWith("are nested", StringComparison.Ordinal));
    }

    [Fact]
    public void SiloVolumes_SilosOnDifferentKeyStoresStrayMountsOrOthersMountingThem_AreReported()
    {
        var silo3 = (YamlSequenceNode)Yaml.Get(compose.Services["silo-3"].Node, "volumes")!;
        silo3.Children.Remove(silo3.Children.Single(n => ((YamlScalarNode)n).Value!.StartsWith("tenant-keys:", StringComparison.Ordinal)));
        silo3.Children.Add(new YamlScalarNode("pgdata-jp-east:/var/lib/saasreference/tenant-keys"));
        silo3.Children.Add(new YamlScalarNode("/srv/extra:/extra"));
        Set(compose.Services["gateway"].Node, "volumes", new YamlSequenceNode(new YamlScalarNode("backups-jp-west:/backups")));
        var violations = ComposeRules.SiloVolumes(compose).ToList();
        Assert.Contains(violations, v => v.StartsWith("silo-3 mounts pgdata-jp-east as the key store, silo-1 tenant-keys", StringComparison.Ordinal));
        Assert.Contains("silo-3 mounts /srv/extra:/extra, which is none of its file stores", violations);
        Assert.Contains(violations, v => v.StartsWith("gateway mounts the silos' volume backups-jp-west", StringComparison.Ordinal));
    }
}
