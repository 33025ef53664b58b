using System.Security.Cryptography;
using System.Text.Json;

namespace SaaSReference.AppHost;

/// <summary>
/// Secrets of the local stack, generated at first start and kept in the data folder with owner-only
/// permissions: never committed, the same on every restart.
/// </summary>
internal sealed record LocalSecrets(string BootstrapKey, string DashboardToken)
{
    public static LocalSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<LocalSecrets>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secrets = new LocalSecrets(NewToken(), NewToken());
        File.WriteAllText(path, JsonSerializer.Serialize(secrets));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return secrets;
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
