using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Testing;

/// <summary>Where a service project's build output is, for tests that run it as a process.</summary>
public static class BuildOutput
{
    /// <summary>The configuration this test assembly was built in (its path reads bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string Assembly(string project)
    {
        var path = Path.Combine(RepositoryRoot.Find(), "src", project, "bin", Configuration, "net10.0", project + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{project} is not built ({path}); build the solution before running these tests.", path);
    }
}
