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
            Assert.Contains(service.Role == "postgres" ? "pg_isready" : ":8080/health/ready", test, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Compose_DependsOn_ExistingServicesWhenHealthy()
    {
        Assert.Empty(ComposeRules.DependsOn(compose));
        Assert.All(compose.ServicesOfRole("silo").Concat(compose.ServicesOfRole("identity")),
            s => Assert.Contains("postgres", s.DependsOn.Keys));
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
        Assert.All(compose.ServicesOfRole("silo").Concat(compose.ServicesOfRole("identity")),
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
