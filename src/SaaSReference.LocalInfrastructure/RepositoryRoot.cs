namespace SaaSReference.LocalInfrastructure;

/// <summary>Finds the repository's top folder (the one holding SaaSReference.sln) from a running program.</summary>
public static class RepositoryRoot
{
    public static string Find(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SaaSReference.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No SaaSReference.sln above {start ?? AppContext.BaseDirectory}.");
    }
}
