using System.Collections.Frozen;
using System.Text;

namespace SaaSReference.Identity.Security;

/// <summary>
/// Loads the embedded <c>Security/common-passwords.txt</c> (source and licence at the top of the file and in
/// Security/README.md): one password a line, lines starting with '#' are comments (6.2.1d, 9.2.4a).
/// </summary>
internal static class CommonPasswordList
{
    private const string FileName = "common-passwords.txt";

    public static FrozenSet<string> Load()
    {
        var assembly = typeof(CommonPasswordList).Assembly;
        // Matched by suffix because the manifest name depends on the root namespace the project file gives.
        var resource = assembly.GetManifestResourceNames().SingleOrDefault(name => name.EndsWith(FileName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The embedded resource {FileName} is missing from {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded resource {resource} cannot be read.");
        using var reader = new StreamReader(stream, Encoding.UTF8);

        var passwords = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var entry = line.Trim();
            if (entry.Length > 0 && !entry.StartsWith('#'))
            {
                passwords.Add(entry.ToLowerInvariant());
            }
        }
        // An empty list would silently switch the check off; refuse to run instead.
        return passwords.Count > 0
            ? passwords.ToFrozenSet(StringComparer.Ordinal)
            : throw new InvalidOperationException($"The embedded resource {resource} lists no passwords.");
    }
}
