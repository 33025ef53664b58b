using System.Security.Cryptography;
using System.Text.Json;

namespace SaaSReference.LocalInfrastructure;

/// <summary>
/// Passwords of a local cluster, generated once and kept beside it with owner-only permissions, so that a
/// restart finds them and nothing secret is ever committed.
/// </summary>
public sealed record PostgresSecrets(string SuperuserPassword, string AppPassword)
{
    public static PostgresSecrets LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<PostgresSecrets>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        var secrets = new PostgresSecrets(NewPassword(), NewPassword());
        File.WriteAllText(path, JsonSerializer.Serialize(secrets));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return secrets;
    }

    /// <summary>Letters and digits only, so that the value can stand inside SQL and connection strings unquoted.</summary>
    public static string NewPassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 32);
}
