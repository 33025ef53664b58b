using SaaSReference.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace SaaSReference.Deployment.Tests;

/// <summary>docker-compose.yml: which services run, how they are built, exposed, started and connected.</summary>
public sealed class ComposeTopologyTests
{
    private static readonly Dictionary<string, string> DockerfileOfRole = new(StringComparer.Ordinal)
    {
        ["silo"] = "infra/docker/silo.Dockerfile",
        ["identity"] = "infra/docker/identity.Dockerfile",
        ["gateway"] = "infra/docker/gateway.Dockerfile",
    };

    private readonly ComposeFile compose = ComposeFile.Load();

    [Fact]
    public void Compose_Services_AreTheExpectedInstances()
    {
        Assert.All(ComposeRules.ExpectedServices, name => Assert.Contains(name, compose.Services.Keys));
        Assert.Equal(["silo-1", "silo-2", "silo-3"], compose.ServicesOfRole("silo").Select(s => s.Name).Order());
        Assert.Equal(["identity-1", "identity-2"], compose.ServicesOfRole("identity").Select(s => s.Name).Order());
        Assert.Equal(["postgres-jp-east", "postgres-jp-west"], compose.ServicesOfRole(ComposeRules.RegionDatabaseRole).Select(s => s.Name).Order());
        Assert.Equal(ComposeRules.ExpectedRegions.Order(), compose.ServicesOfRole(ComposeRules.RegionDatabaseRole).Select(s => s.Region!).Order());
    }

    [Fact]
    public void Compose_EveryService_HasAnImageOrABuildWhoseContextAndDockerfileExist()
    {
        Assert.All(compose.Services.Values, service =>
        {
            var build = service.Map("build");
            Assert.True(build is not null || service.Scalar("image") is { Length: > 0 }, $"{service} has neither image nor build");
            if (build is not null)
            {
                var context = Path.GetFullPath(Path.Combine(Repo.Root, (Yaml.Get(build, "context") as YamlScalarNode)?.Value ?? "."));
                var dockerfile = (Yaml.Get(build, "dockerfile") as YamlScalarNode)?.Value ?? "Dockerfile";
                Assert.True(Directory.Exists(context), $"{service}: build context {context} does not exist");
                Assert.True(File.Exists(Path.Combine(context, dockerfile)), $"{service}: {dockerfile} does not exist in {context}");
            }
        });
    }

    [Fact]
    public void Compose_AppServices_BuildTheirRolesDockerfileFromTheRepositoryRoot()
    {
        Assert.All(compose.Services.Values.Where(s => DockerfileOfRole.ContainsKey(s.Role)), service =>
        {
            var build = service.Map("build") ?? throw new Xunit.Sdk.XunitException($"{service} has no build");
            Assert.Equal(Repo.Root, Path.GetFullPath(Path.Combine(Repo.Root, ((YamlScalarNode)Yaml.Get(build, "context")!).Value!)).TrimEnd('/'));
            Assert.Equal(DockerfileOfRole[service.Role], ((YamlScalarNode)Yaml.Get(build, "dockerfile")!).Value);
        });
    }

    [Fact]
    public void Compose_PublishedPorts_OnlyTheGatewayOn8080()
    {
        Assert.Empty(ComposeRules.PublishedPorts(compose));
        Assert.Equal([("8080", "8080")], compose.Services[ComposeRules.Gateway].Ports);
        Assert.Equal("http://0.0.0.0:8080", compose.Services[ComposeRules.Gateway].Environment["Urls"]);
    }

    [Fact]
    public void Compose_EveryService_HasAnEnabledHealthcheck()
    {
        Assert.All(compose.Services.Values, service =>
        {
            var healthcheck = service.Map("healthcheck") ?? throw new Xunit.Sdk.XunitException($"{service} has no healthcheck");
            Assert.NotEqual("true", (Yaml.Get(healthcheck, "disable") as YamlScalarNode)?.Value);
            var test = string.Join(' ', Yaml.Scalars(Yaml.Get(healthcheck, "test") ?? new YamlScalarNode("")));
            Assert.DoesNotContain("NONE", test, StringComparison.Ordinal);
            var database = service.Role is ComposeRules.PlatformDatabase or ComposeRules.RegionDatabaseRole;
            Assert.Contains(database ? "pg_isready" : ":8080/health/ready", test, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Compose_DependsOn_ExistingServicesWhenHealthy()
    {
        Assert.Empty(ComposeRules.DependsOn(compose));
        // The silos need the platform database and every region's; identity only the platform's.
        var databases = compose.ServicesOfRole(ComposeRules.RegionDatabaseRole).Select(s => s.Name).Append(ComposeRules.PlatformDatabase).Order().ToList();
        Assert.All(compose.ServicesOfRole("silo"), s => Assert.Equal(databases, s.DependsOn.Keys.Order()));
        Assert.All(compose.ServicesOfRole("identity"), s => Assert.Equal([ComposeRules.PlatformDatabase], s.DependsOn.Keys));
        var upstream = compose.ServicesOfRole("silo").Concat(compose.ServicesOfRole("identity")).Select(s => s.Name);
        Assert.Equal(upstream.Order(), compose.Services[ComposeRules.Gateway].DependsOn.Keys.Order());
    }

    [Fact]
    public void Compose_EveryService_RestartsUnlessStoppedOnTheOneNetwork()
    {
        var network = Assert.Single(compose.Keys("networks"));
        Assert.All(compose.Services.Values, service =>
        {
            Assert.Equal("unless-stopped", service.Scalar("restart"));
            Assert.Equal([network], service.Networks);
            Assert.Null(service.Scalar("network_mode"));
        });
    }

    [Fact]
    public void Compose_Postgres_Is15WithNamedVolumeAndPlatformDatabase()
    {
        var postgres = compose.Services["postgres"];
        Assert.Matches(@"^postgres:15(\.\d+)*(-bookworm)?$", postgres.Scalar("image"));
        Assert.Equal("saasreference", postgres.Environment["POSTGRES_DB"]);
        var volume = Assert.Single(Yaml.Scalars(Yaml.Get(postgres.Node, "volumes")!));
        var (source, target) = (volume.Split(':')[0], volume.Split(':')[1]);
        Assert.Equal("/var/lib/postgresql/data", target);
        Assert.Contains(source, compose.Keys("volumes"));
    }

    [Fact]
    public void Compose_RegionDatabases_AreUnpublishedPostgresServicesWithVolumesAndHealthchecksOfTheirOwn()
    {
        Assert.Empty(ComposeRules.RegionDatabases(compose));
        var platform = compose.Services[ComposeRules.PlatformDatabase];
        Assert.All(compose.ServicesOfRole(ComposeRules.RegionDatabaseRole), service =>
        {
            Assert.Equal(platform.Scalar("image"), service.Scalar("image"));
            Assert.Empty(service.Ports);
            Assert.Equal($"saasreference_{service.Region!.Replace('-', '_')}", service.Environment["POSTGRES_DB"]);
            var data = Assert.Single(service.Mounts);
            Assert.Equal(($"pgdata-{service.Region}", ComposeRules.PostgresDataDirectory), (data.Source, data.Target));
            Assert.Contains(data.Source!, compose.Keys("volumes"));
            Assert.NotNull(service.Map("healthcheck"));
        });
    }

    [Fact]
    public void Compose_Silos_StoreTenantsDataInTheirRegionsOwnDatabase()
    {
        Assert.Empty(ComposeRules.TenantStorage(compose));
        Assert.All(compose.ServicesOfRole("silo"), silo =>
        {
            var storage = ComposeRules.BindTenantStorage(silo);
            Assert.Equal("jp-east", storage.DefaultRegion);
            Assert.Equal(ComposeRules.ExpectedRegions.Order(), storage.Regions.Keys.Order());
            Assert.Equal("jp-west", storage.Regions["jp-east"].BackupCopyRegion);
            Assert.Equal("jp-east", storage.Regions["jp-west"].BackupCopyRegion);
            Assert.All(storage.Regions, region =>
            {
                var parts = ComposeRules.ConnectionStringParts(region.Value.ConnectionString);
                Assert.Equal(ComposeRules.RegionDatabaseOf(region.Key), parts["host"]);
                Assert.NotEqual("saasreference", parts["database"]);
                Assert.StartsWith("${POSTGRES_PASSWORD:?", parts["password"], StringComparison.Ordinal);
            });
        });
    }

    [Fact]
    public void Compose_SiloFileStores_AreSharedNamedVolumes()
    {
        Assert.Empty(ComposeRules.SiloVolumes(compose));
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["backup site of region jp-east"] = "backups-jp-east",
            ["backup site of region jp-west"] = "backups-jp-west",
            ["key store"] = "tenant-keys",
            ["platform backups"] = "platform-backups",
            [ComposeRules.CheckpointLogStore] = "audit-checkpoints",
        };
        Assert.All(compose.ServicesOfRole("silo"), silo =>
        {
            var stores = ComposeRules.FileStores(silo);
            Assert.Equal(expected.Keys.Order(), stores.Select(s => s.What).Order());
            Assert.All(stores, store => Assert.Equal(expected[store.What], silo.Mounts.Single(m => m.Target == store.Path).Source));
        });
        Assert.All(expected.Values, volume => Assert.Contains(volume, compose.Keys("volumes")));
    }

    /// <summary>
    /// 12.4.2a/b: every silo signs checkpoints (and exports) with the one key and appends a copy of each checkpoint to the
    /// shared log outside the database, which verify reads too.
    /// </summary>
    [Fact]
    public void Compose_Silos_SignCheckpointsWithOneKeyAndLogThemOutsideTheDatabase()
    {
        Assert.Empty(ComposeRules.Audit(compose));
        Assert.All(compose.ServicesOfRole("silo"), silo =>
        {
            var audit = ComposeRules.BindAudit(silo);
            Assert.StartsWith("${AUDIT_CHECKPOINT_SIGNING_KEY:?", audit.CheckpointSigningKey, StringComparison.Ordinal);
            Assert.Equal("/var/lib/saasreference/audit-checkpoints", audit.CheckpointDirectory);
            Assert.True(audit.CheckpointInterval > TimeSpan.Zero);
            Assert.Equal("audit-checkpoints", silo.Mounts.Single(m => m.Target == audit.CheckpointDirectory).Source);
        });
    }

    [Fact]
    public void Compose_Volumes_OnlyDatabasesAndSilosMountAnyAndEveryDeclaredVolumeIsUsed()
    {
        Assert.All(compose.ServicesOfRole("identity").Append(compose.Services[ComposeRules.Gateway]), s => Assert.Empty(s.Mounts));
        var mounted = compose.Services.Values.SelectMany(s => s.Mounts).Where(m => m.IsNamedVolume).Select(m => m.Source!).Distinct().Order();
        Assert.Equal(compose.Keys("volumes").Order(), mounted);
    }

    [Fact]
    public void Compose_RegionDatabasesAndVolumes_AreDocumentedForOperators()
    {
        var readme = File.ReadAllText(Repo.PathOf("infra/docker/README.md"));
        Assert.All(compose.ServicesOfRole(ComposeRules.RegionDatabaseRole).Select(s => s.Name).Concat(compose.Keys("volumes")),
            name => Assert.Contains($"`{name}`", readme, StringComparison.Ordinal));
        Assert.All(compose.ServicesOfRole("silo").First().Environment.Keys.Where(k => k.StartsWith("TenantStorage__", StringComparison.Ordinal)
                || k == ComposeRules.KeyStoreSetting || k == ComposeRules.PlatformBackupsSetting || k.StartsWith("Audit__", StringComparison.Ordinal))
            .Select(k => k.Replace("jp-east", "<region>", StringComparison.Ordinal).Replace("jp-west", "<region>", StringComparison.Ordinal)),
            key => Assert.Contains($"`{key}`", readme, StringComparison.Ordinal));
    }

    [Fact]
    public void Compose_Silos_DistinctHostsSameClusterAndServiceIds()
    {
        var silos = compose.ServicesOfRole("silo").ToList();
        Assert.All(silos, s => Assert.Equal(s.Name, s.Scalar("hostname") ?? s.Name));
        Assert.Distinct(silos.Select(s => s.Scalar("hostname") ?? s.Name));
        Assert.Single(silos.Select(s => s.Environment.GetValueOrDefault("Orleans__ClusterId")).Distinct());
        Assert.Single(silos.Select(s => s.Environment.GetValueOrDefault("Orleans__ServiceId")).Distinct());
        Assert.All(silos, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Environment.GetValueOrDefault("Orleans__ClusterId")));
            Assert.False(string.IsNullOrWhiteSpace(s.Environment.GetValueOrDefault("Orleans__ServiceId")));
            Assert.Equal("11111", s.Environment["Orleans__SiloPort"]);
            Assert.Equal("30000", s.Environment["Orleans__GatewayPort"]);
            Assert.Equal("auto", s.Environment["Orleans__AdvertisedIP"]);
        });
    }

    [Fact]
    public void Compose_ConnectionStrings_PointAtThePostgresServiceAndDatabase()
    {
        Assert.All(compose.ServicesOfRole("silo").Concat(compose.ServicesOfRole("identity")), service =>
        {
            var parts = service.Environment["ConnectionStrings__platform"].Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            Assert.Equal("postgres", parts["Host"]);
            Assert.Equal("saasreference", parts["Database"]);
            Assert.Equal("5432", parts.GetValueOrDefault("Port", "5432"));
        });
    }

    [Fact]
    public void Compose_EnvironmentKeys_AreOnlyTheDocumentedOnes()
    {
        Assert.Empty(ComposeRules.EnvironmentKeys(compose));
        Assert.All(compose.ServicesOfRole("identity"),
            s => Assert.Equal(ComposeRules.AllowedEnvironment[s.Role].Order(), s.Environment.Keys.Order()));
        // Silos: the fixed keys, and every setting of every region.
        var regionKeys = ComposeRules.ExpectedRegions.SelectMany(r => ComposeRules.RegionSettings.Select(setting => ComposeRules.RegionSetting(r, setting)));
        Assert.All(compose.ServicesOfRole("silo"),
            s => Assert.Equal(ComposeRules.AllowedEnvironment["silo"].Concat(regionKeys).Order(), s.Environment.Keys.Order()));
        Assert.All(compose.ServicesOfRole(ComposeRules.RegionDatabaseRole).Append(compose.Services[ComposeRules.PlatformDatabase]),
            s => Assert.Equal(ComposeRules.AllowedEnvironment[s.Role].Order(), s.Environment.Keys.Order()));
    }

    [Fact]
    public void Compose_GatewayDestinations_AreEverySiloAndIdentityOnTheirContainerPort()
    {
        Assert.Empty(ComposeRules.GatewayDestinations(compose));
        var destinations = compose.Services[ComposeRules.Gateway].Environment
            .Where(e => e.Key.StartsWith("ReverseProxy__", StringComparison.Ordinal))
            .Select(e => new Uri(e.Value).Host).Order();
        var upstream = compose.ServicesOfRole("silo").Concat(compose.ServicesOfRole("identity")).Select(s => s.Name).Order();
        Assert.Equal(upstream, destinations);
    }
}
