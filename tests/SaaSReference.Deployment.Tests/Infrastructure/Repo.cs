namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>The repository checkout the tests run from: the folder that holds SaaSReference.sln.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Absolute path of a repository-relative path written with forward slashes.</summary>
    public static string PathOf(string relative) =>
        Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public static bool Exists(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    /// <summary>Repository-relative form (forward slashes) of an absolute path.</summary>
    public static string Relative(string absolute) => Path.GetRelativePath(Root, absolute).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SaaSReference.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No SaaSReference.sln above {AppContext.BaseDirectory}.");
    }
}
