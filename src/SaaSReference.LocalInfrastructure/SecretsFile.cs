using System.Security.Cryptography;
using System.Text.Json;

namespace SaaSReference.LocalInfrastructure;

/// <summary>
/// Secrets of a local installation: generated once, kept as JSON readable by the owner only, and the same on
/// every later start. Nothing secret is ever committed.
/// </summary>
public static class SecretsFile
{
    public static T LoadOrCreate<T>(string path, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var secrets = create();
        File.WriteAllText(path, JsonSerializer.Serialize(secrets));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return secrets;
    }

    /// <summary>Letters and digits only, so that the value can stand inside SQL, URLs and connection strings unquoted.</summary>
    public static string NewToken(int length = 32) =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", length);
}
