using System.Xml.Linq;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>What building a project reads from the repository: its ProjectReference closure and files outside src/.</summary>
internal static class ProjectGraph
{
    private static readonly string[] NotFiles = ["ProjectReference", "PackageReference", "FrameworkReference", "Using", "PackageVersion"];

    /// <summary>Repository-relative paths of the project and every project it references, directly or not.</summary>
    public static IReadOnlyList<string> Closure(string projectPath)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([Repo.PathOf(projectPath)]);
        while (pending.TryPop(out var current))
        {
            if (seen.Contains(Repo.Relative(current)))
            {
                continue;
            }
            seen.Add(Repo.Relative(current));
            foreach (var include in Includes(current, "ProjectReference"))
            {
                pending.Push(include);
            }
        }
        return seen;
    }

    /// <summary>
    /// Files the closure pulls in from outside src/ (such as embedded SQL), as the folder or file to copy:
    /// for a wildcard include, the folder above the first wildcard.
    /// </summary>
    public static IReadOnlyList<string> ExternalInputs(string projectPath) => Closure(projectPath)
        .SelectMany(p => XDocument.Load(Repo.PathOf(p)).Descendants()
            .Where(e => !NotFiles.Contains(e.Name.LocalName))
            .Select(e => (string?)e.Attribute("Include"))
            .OfType<string>()
            .Select(include => Repo.Relative(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repo.PathOf(p))!, include.Replace('\\', '/'))))))
        .Select(path => path.Contains('*', StringComparison.Ordinal) ? path[..path.LastIndexOf('/', path.IndexOf('*', StringComparison.Ordinal))] : path)
        .Where(path => !path.StartsWith("src/", StringComparison.Ordinal))
        .Distinct()
        .ToList();

    private static IEnumerable<string> Includes(string projectFile, string itemName) => XDocument.Load(projectFile)
        .Descendants(itemName)
        .Select(e => (string?)e.Attribute("Include"))
        .OfType<string>()
        .Select(include => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(projectFile)!, include.Replace('\\', '/'))));
}
