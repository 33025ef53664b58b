using SaaSReference.Database.Audit;
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
    [InlineData("silo-1", "Audit__CheckpointSigningKey", PrivateKey)]
    [InlineData("silo-2", "Audit__CheckpointSigningKey", "${AUDIT_CHECKPOINT_SIGNING_KEY:-}")]
    [InlineData("silo-3", "Audit__CheckpointPublicKeys__0", PrivateKey)]
    public void Secrets_LiteralOrOptionalSecret_IsReported(string service, string key, string value)
    {
        Set(compose.Services[service].Map("environment")!, key, new YamlScalarNode(Keys(value)));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith(service + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_LiteralInListFormEnvironment_IsReported()
    {
        Set(compose.Services["postgres"].Node, "environment", new YamlSequenceNode(new YamlScalarNode("POSTGRES_PASSWORD=hunter2")));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith("postgres:", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_RetiredCheckpointKeysPublicHalf_MayBeWrittenOut()
    {
        SetOnEverySilo("Audit__CheckpointPublicKeys__0", Keys(PublicKey));
        Assert.Empty(ComposeRules.Secrets(compose));
        Assert.Empty(ComposeRules.EnvironmentKeys(compose));
        Assert.Empty(ComposeRules.Audit(compose));
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

    /// <summary>12.4.2a/b: one signing key on every silo, from a required variable, held by the silos alone; a checkpoint log.</summary>
    [Theory]
    [InlineData("no-key", "silo-2: Audit__CheckpointSigningKey is not set")]
    [InlineData("literal-key", "silo-1: Audit__CheckpointSigningKey is not a required")]
    [InlineData("other-variable", "silo-3 sets Audit__CheckpointSigningKey unlike silo-1")]
    [InlineData("identity-key", "identity-2 is given Audit__CheckpointSigningKey")]
    [InlineData("gateway-log", "gateway is given Audit__CheckpointDirectory")]
    [InlineData("key-reused", "gateway: Gateway__Identity__ClientSecret takes ${AUDIT_CHECKPOINT_SIGNING_KEY}")]
    [InlineData("no-log", "silo-1: Audit__CheckpointDirectory is not set")]
    [InlineData("log-differs", "silo-2 sets Audit__CheckpointDirectory unlike silo-1")]
    [InlineData("no-checkpoints", "silo-1: Audit:CheckpointInterval is 00:00:00")]
    [InlineData("bad-interval", "silo-1: Audit does not bind")]
    [InlineData("private-as-public", "silo-3: Audit__CheckpointPublicKeys__0 is not a P-256 public key")]
    [InlineData("public-keys-differ", "silo-3 sets Audit__CheckpointPublicKeys__0 unlike silo-1")]
    public void Audit_SigningKeyOrCheckpointLogBroken_IsReported(string breakage, string expected)
    {
        switch (breakage)
        {
            case "no-key":
                Remove(compose.Services["silo-2"].Map("environment")!, "Audit__CheckpointSigningKey");
                break;
            case "literal-key":
                SetOnEverySilo("Audit__CheckpointSigningKey", Keys(PrivateKey));
                break;
            case "other-variable":
                Set(compose.Services["silo-3"].Map("environment")!, "Audit__CheckpointSigningKey", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY_3:?x}"));
                break;
            case "identity-key":
                Set(compose.Services["identity-2"].Map("environment")!, "Audit__CheckpointSigningKey", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY:?x}"));
                break;
            case "gateway-log":
                Set(compose.Services["gateway"].Map("environment")!, "Audit__CheckpointDirectory", new YamlScalarNode("/var/lib/saasreference/audit-checkpoints"));
                break;
            case "key-reused":
                Set(compose.Services["gateway"].Map("environment")!, "Gateway__Identity__ClientSecret", new YamlScalarNode("${AUDIT_CHECKPOINT_SIGNING_KEY:?x}"));
                break;
            case "no-log":
                foreach (var silo in compose.ServicesOfRole("silo"))
                {
                    Remove(silo.Map("environment")!, "Audit__CheckpointDirectory");
                }
                break;
            case "log-differs":
                Set(compose.Services["silo-2"].Map("environment")!, "Audit__CheckpointDirectory", new YamlScalarNode("/var/lib/saasreference/audit-checkpoints/silo-2"));
                break;
            case "no-checkpoints":
                SetOnEverySilo("Audit__CheckpointInterval", "00:00:00");
                break;
            case "bad-interval":
                SetOnEverySilo("Audit__CheckpointInterval", "every minute");
                break;
            case "private-as-public":
                SetOnEverySilo("Audit__CheckpointPublicKeys__0", Keys(PrivateKey));
                break;
            case "public-keys-differ":
                SetOnEverySilo("Audit__CheckpointPublicKeys__0", Keys(PublicKey));
                Set(compose.Services["silo-3"].Map("environment")!, "Audit__CheckpointPublicKeys__0", new YamlScalarNode(Keys(OtherPublicKey)));
                break;
        }
        Assert.Contains(ComposeRules.Audit(compose), v => v.StartsWith(expected, StringComparison.Ordinal));
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

    [Theory]
    [InlineData("silo-1", "TenantStorage__Regions__jp-west__ConnectionString", "Host=postgres-jp-west;Database=saasreference_jp_west;Username=u;Password=hunter2")]
    [InlineData("postgres-jp-east", "POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-changeme}")]
    [InlineData("silo-2", "TenantKeys__Local__Directory", "c2VjcmV0LWtleS1tYXRlcmlhbA==")]
    public void Secrets_LiteralInRegionSettings_IsReported(string service, string key, string value)
    {
        Set(compose.Services[service].Map("environment")!, key, new YamlScalarNode(value));
        Assert.Contains(ComposeRules.Secrets(compose), v => v.StartsWith(service + ":", StringComparison.Ordinal));
    }

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
