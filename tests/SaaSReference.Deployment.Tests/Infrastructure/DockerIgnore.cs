using System.Text;
using System.Text.RegularExpressions;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// .dockerignore as Docker reads it: patterns in order, <c>!</c> re-includes, the last match wins, and a
/// pattern that matches a parent folder matches everything below it. <c>*</c> and <c>?</c> stay within one
/// path segment, <c>**</c> spans any number.
/// </summary>
internal sealed class DockerIgnore(IReadOnlyList<(Regex Pattern, bool Include)> rules)
{
    public const string FileName = ".dockerignore";

    public static DockerIgnore Load() => Parse(File.ReadAllText(Repo.PathOf(FileName)));

    public static DockerIgnore Parse(string text) => new(text.ReplaceLineEndings("\n").Split('\n')
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.StartsWith('!') ? (ToRegex(l[1..]), true) : (ToRegex(l), false))
        .ToList());

    /// <summary>Whether a repository-relative path (forward slashes) is sent in the build context.</summary>
    public bool IsIncluded(string path)
    {
        var candidates = Prefixes(path.Trim('/')).ToList();
        var included = true;
        foreach (var (pattern, include) in rules)
        {
            if (candidates.Any(pattern.IsMatch))
            {
                included = include;
            }
        }
        return included;
    }

    private static IEnumerable<string> Prefixes(string path)
    {
        var segments = path.Split('/');
        for (var i = 1; i <= segments.Length; i++)
        {
            yield return string.Join('/', segments[..i]);
        }
    }

    private static Regex ToRegex(string pattern)
    {
        var p = pattern.Trim().Trim('/');
        var regex = new StringBuilder("^");
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == '*' && i + 1 < p.Length && p[i + 1] == '*')
            {
                var slash = i + 2 < p.Length && p[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(p[i] switch { '*' => "[^/]*", '?' => "[^/]", var c => Regex.Escape(c.ToString()) });
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
