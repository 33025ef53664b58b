using SaaSReference.Deployment.Tests.Infrastructure;

namespace SaaSReference.Deployment.Tests;

/// <summary>infra/docker/*.Dockerfile: multi-stage, cached restore, the right project, non-root aspnet:10.0 runtime on 8080.</summary>
public sealed class DockerfileTests
{
    private static readonly string[] RootBuildFiles = ["global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "nuget.config", "NuGet.Config", ".editorconfig"];

    /// <summary>Each Dockerfile and the project it publishes.</summary>
    internal static readonly (string Path, string Project)[] All =
    [
        ("infra/docker/silo.Dockerfile", "SaaSReference.Silo"),
        ("infra/docker/identity.Dockerfile", "SaaSReference.Identity"),
        ("infra/docker/gateway.Dockerfile", "SaaSReference.Gateway"),
    ];

    public static TheoryData<string, string> Images
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (path, project) in All)
            {
                data.Add(path, project);
            }
            return data;
        }
    }

    public static TheoryData<string> Paths => new(All.Select(i => i.Path));

    [Theory]
    [MemberData(nameof(Paths))]
    public void Dockerfile_Stages_BuildOnSdkAndRunOnAspnet10(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        Assert.True(dockerfile.Stages.Count >= 2, $"{path} is not multi-stage");
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/sdk:10\.0([.-].*)?$", dockerfile.Stages[0].BaseImage);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0([.-].*)?$", dockerfile.Final.BaseImage);
        Assert.DoesNotContain(dockerfile.Final.All("RUN"), r => r.Arguments.Contains("dotnet ", StringComparison.Ordinal));
        var stageNames = dockerfile.Stages.Select(s => s.Name).ToList();
        Assert.All(dockerfile.Instructions.Where(i => i.Keyword == "COPY" && i.Flag("from") is not null),
            copy => Assert.Contains(copy.Flag("from"), stageNames));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_Publish_BuildsTheServiceProjectAfterACachedRestore(string path, string project)
    {
        var dockerfile = Dockerfile.Load(path);
        var csproj = $"src/{project}/{project}.csproj";
        var restore = Assert.Single(dockerfile.Instructions, i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore " + csproj, StringComparison.Ordinal));
        var publish = Assert.Single(dockerfile.Instructions, i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish " + csproj, StringComparison.Ordinal));
        var sources = dockerfile.ContextCopies.Single(c => c.Operands[0] == "src/");
        Assert.True(restore.Index < sources.Index && sources.Index < publish.Index, "restore, then copy src/, then publish");
        Assert.Contains("-c Release", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("-o /app/publish", publish.Arguments, StringComparison.Ordinal);

        var beforeRestore = CopiedPaths(dockerfile, restore.Index);
        Assert.All(RootBuildFiles.Where(f => File.Exists(Repo.PathOf(f))), file => Assert.Contains(file, beforeRestore));
        Assert.All(ProjectGraph.Closure(csproj), p => Assert.Contains(p, beforeRestore));
        Assert.DoesNotContain(beforeRestore, p => p.EndsWith(".cs", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_Publish_HasEveryFileTheProjectGraphReadsOutsideSrc(string path, string project)
    {
        var dockerfile = Dockerfile.Load(path);
        var publish = dockerfile.Instructions.Single(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        var copied = CopiedPaths(dockerfile, publish.Index);
        Assert.All(ProjectGraph.ExternalInputs($"src/{project}/{project}.csproj"),
            input => Assert.Contains(copied, c => input == c || input.StartsWith(c + "/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Dockerfile_ContextCopies_ExistAndKeepTheRepositoryLayout(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        Assert.All(dockerfile.ContextCopies, copy =>
        {
            var sources = copy.Operands.SkipLast(1).ToList();
            var destination = copy.Operands[^1];
            Assert.All(sources, source => Assert.True(Repo.Exists(source), $"{copy}: {source} does not exist in the repository"));
            Assert.All(sources, source =>
            {
                var expected = source.EndsWith('/') ? source : (source.Contains('/', StringComparison.Ordinal) ? source[..(source.LastIndexOf('/') + 1)] : "./");
                Assert.Equal(expected, destination);
            });
        });
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_FinalStage_RunsTheDllAsNonRootOn8080(string path, string project)
    {
        var final = Dockerfile.Load(path).Final;
        var user = Assert.Single(final.All("USER")).Arguments;
        Assert.Contains(user, new[] { "app", "$APP_UID", "${APP_UID}" });
        var entrypoint = Assert.Single(final.All("ENTRYPOINT"));
        Assert.True(user.Length > 0 && final.All("USER").Single().Index < entrypoint.Index, "USER comes before ENTRYPOINT");
        Assert.Equal(["dotnet", $"{project}.dll"], entrypoint.Words);
        Assert.Contains("8080", final.All("EXPOSE").SelectMany(e => e.Words));
        Assert.All(final.All("ENV").Where(e => e.Arguments.Contains("ASPNETCORE_HTTP_PORTS", StringComparison.Ordinal)),
            e => Assert.Equal("ASPNETCORE_HTTP_PORTS=8080", e.Arguments));
        Assert.DoesNotContain(final.All("ENV"), e => e.Arguments.Contains("ASPNETCORE_URLS", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Dockerfile_Healthcheck_ProbesReadinessWithAToolTheFinalStageInstalls(string path)
    {
        var final = Dockerfile.Load(path).Final;
        var healthcheck = Assert.Single(final.All("HEALTHCHECK")).Arguments;
        Assert.Contains("http://127.0.0.1:8080/health/ready", healthcheck, StringComparison.Ordinal);
        Assert.Contains("\"curl\", \"--fail\"", healthcheck, StringComparison.Ordinal);
        Assert.Contains(final.All("RUN"), r => r.Arguments.Contains("apt-get install", StringComparison.Ordinal) && r.Words.Contains("curl"));
    }

    [Fact]
    public void Dockerfiles_EveryServiceWithABuild_IsCovered()
    {
        var built = ComposeFile.Load().Services.Values.Select(s => s.Map("build")).OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Select(b => b.Children.Single(e => e.Key.ToString() == "dockerfile").Value.ToString()).Distinct().Order();
        Assert.Equal(All.Select(i => i.Path).Order(), built);
    }

    [Fact]
    public void Dockerfile_Silo_PublishesWithTheRegionDatabasesMigrationScripts()
    {
        var scripts = Directory.EnumerateFiles(Repo.PathOf("infra/postgres/region"), "*.sql").Select(Repo.Relative).ToList();
        Assert.NotEmpty(scripts);
        Assert.Contains("infra/postgres/region", ProjectGraph.ExternalInputs("src/SaaSReference.Silo/SaaSReference.Silo.csproj"));
        var dockerfile = Dockerfile.Load(SiloDockerfile);
        var publish = dockerfile.Instructions.Single(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        var copied = CopiedPaths(dockerfile, publish.Index);
        var ignore = DockerIgnore.Load();
        Assert.All(scripts, script =>
        {
            Assert.Contains(copied, c => script.StartsWith(c + "/", StringComparison.Ordinal));
            Assert.True(ignore.IsIncluded(script), $"{script} is excluded by .dockerignore");
        });
    }

    /// <summary>
    /// A named volume takes the owner and mode of the image's directory at its first mount: every directory the compose
    /// file mounts into a silo exists in the image, created as root before USER and owned by the non-root user; the key
    /// store and the audit checkpoint log (12.4.2a) are private to it; nothing is copied into them and no VOLUME makes an anonymous volume of them.
    /// </summary>
    [Fact]
    public void Dockerfile_Silo_CreatesTheMountPointsOfItsVolumesForTheNonRootUser()
    {
        var dockerfile = Dockerfile.Load(SiloDockerfile);
        var user = dockerfile.Final.All("USER").Single();
        var silos = ComposeFile.Load().ServicesOfRole("silo").ToList();
        var targets = silos.SelectMany(s => s.Mounts).Select(m => m.Target.TrimEnd('/')).Distinct().ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, target =>
        {
            var creating = Assert.Single(dockerfile.Final.All("RUN"), r => r.Words.Contains(target));
            Assert.True(creating.Index < user.Index, $"{target} is created after USER, not by root for the app user");
            Assert.Matches(@"(-o|--owner[= ]|chown( -R)?)\s*""?\$\{?APP_UID\}?", creating.Arguments);
        });
        Assert.All(new[] { ComposeRules.KeyStoreSetting, ComposeRules.CheckpointDirectorySetting }.Select(s => silos[0].Environment[s]), directory =>
            Assert.Matches(@"(-m|--mode[= ])\s*0?700\b", dockerfile.Final.All("RUN").Single(r => r.Words.Contains(directory)).Arguments));
        Assert.DoesNotContain(dockerfile.Instructions, i => i.Keyword == "VOLUME");
        Assert.DoesNotContain(dockerfile.Final.Instructions.Where(i => i.Keyword is "COPY" or "ADD"),
            copy => targets.Any(t => copy.Operands[^1].TrimEnd('/') == t || copy.Operands[^1].StartsWith(t + "/", StringComparison.Ordinal)));
    }

    private const string SiloDockerfile = "infra/docker/silo.Dockerfile";

    /// <summary>Repository paths (files, or folders ending without the slash) copied from the context before an instruction.</summary>
    private static List<string> CopiedPaths(Dockerfile dockerfile, int beforeIndex) => dockerfile.ContextCopies
        .Where(c => c.Index < beforeIndex)
        .SelectMany(c => c.Operands.SkipLast(1))
        .Select(s => s.TrimEnd('/'))
        .ToList();
}
