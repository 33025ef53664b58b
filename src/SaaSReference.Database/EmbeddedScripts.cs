using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SaaSReference.Database;

/// <summary>Reads the migration scripts that the project file embeds as <c>migrations/NNNN_name.sql</c>.</summary>
internal static partial class EmbeddedScripts
{
    /// <summary>The platform database's scripts (infra/postgres).</summary>
    public const string PlatformPrefix = "migrations/";

    /// <summary>A region's tenant-storage database's scripts (infra/postgres/region).</summary>
    public const string RegionPrefix = "region-migrations/";

    public static IReadOnlyList<MigrationScript> Load(string prefix = PlatformPrefix)
    {
        var assembly = typeof(EmbeddedScripts).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(name => Read(assembly, name, prefix))
            .OrderBy(script => script.Version)
            .ToList();

        var duplicate = scripts.GroupBy(script => script.Version).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Two migration scripts share version {duplicate.Key}: {string.Join(", ", duplicate)}.");
        }
        return scripts;
    }

    private static MigrationScript Read(Assembly assembly, string resourceName, string prefix)
    {
        var fileName = resourceName[prefix.Length..];
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Migration script '{fileName}' is not named NNNN_name.sql.");
        }

        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Migration script '{fileName}' cannot be read.");
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);

        // A Windows checkout may turn LF into CRLF; the checksum must not depend on where the code was built.
        var text = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        var version = int.Parse(match.Groups["version"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        return new MigrationScript(version, fileName, sha256, text);
    }

    [GeneratedRegex("^(?<version>[0-9]{4})_[a-z0-9_]+\\.sql$")]
    private static partial Regex FileNamePattern();
}
