using SaaSReference.Deployment.Tests.Infrastructure;

namespace SaaSReference.Deployment.Tests;

/// <summary>.dockerignore sends what the Dockerfiles copy and keeps secrets, tests and host build output out.</summary>
public sealed class DockerIgnoreTests
{
    private readonly DockerIgnore ignore = DockerIgnore.Load();

    [Fact]
    public void DockerIgnore_EverythingTheDockerfilesCopy_IsInTheBuildContext()
    {
        var sources = DockerfileTests.All.Select(i => Dockerfile.Load(i.Path))
            .SelectMany(d => d.ContextCopies).SelectMany(c => c.Operands.SkipLast(1)).Distinct().ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, source =>
        {
            var absolute = Repo.PathOf(source);
            var files = Directory.Exists(absolute)
                ? Directory.EnumerateFiles(absolute, "*", SearchOption.AllDirectories).Select(Repo.Relative)
                    .Where(f => !f.Split('/').Any(segment => segment is "bin" or "obj"))
                : new[] { source };
            Assert.All(files, file => Assert.True(ignore.IsIncluded(file), $"{file} (copied via {source}) is excluded by .dockerignore"));
        });
    }

    [Theory]
    [InlineData(".env")]
    [InlineData("infra/docker/.env")]
    [InlineData(".git/config")]
    [InlineData(".data/postgres/secrets.json")]
    [InlineData("tests/SaaSReference.Deployment.Tests/ComposeRulesTests.cs")]
    [InlineData("src/SaaSReference.Silo/bin/Release/net10.0/SaaSReference.Silo.dll")]
    [InlineData("src/SaaSReference.Silo/obj/project.assets.json")]
    [InlineData("docker-compose.yml")]
    public void DockerIgnore_SecretsTestsAndHostBuildOutput_AreExcluded(string path)
    {
        Assert.False(ignore.IsIncluded(path), $"{path} would be sent to the Docker build");
    }

    [Theory]
    [InlineData("*\n!src/\n**/obj/", "src/A/A.csproj", true)]
    [InlineData("*\n!src/\n**/obj/", "src/A/obj/x.json", false)]
    [InlineData("*\n!src/\n**/obj/", "tests/A.cs", false)]
    [InlineData("*\n!infra/postgres/", "infra/postgres/1.sql", true)]
    [InlineData("*\n!infra/postgres/", "infra/docker/README.md", false)]
    [InlineData("src/*.md\n!src/keep.md", "src/keep.md", true)]
    [InlineData("src/*.md", "src/a/b.md", true)]
    [InlineData("**/*.md", "src/a/b.md", false)]
    public void DockerIgnore_Matcher_FollowsDockerRules(string patterns, string path, bool included)
    {
        Assert.Equal(included, DockerIgnore.Parse(patterns).IsIncluded(path));
    }
}
