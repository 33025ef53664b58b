using System.Text.Json;

namespace SaaSReference.Load.Cli;

/// <summary>
/// The local stack's secrets file (<c>.data/platform-secrets.json</c>, written by the AppHost): the bootstrap
/// operator key and the demo machine client's secret.
/// </summary>
public sealed record PlatformSecrets(string? BootstrapKey, string? DemoMachineClientSecret)
{
    /// <summary>Client id of the machine client the AppHost seeds for the demo tenant.</summary>
    public const string DemoMachineClientId = "demo-worker";

    public static PlatformSecrets? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        return JsonSerializer.Deserialize<PlatformSecrets>(File.ReadAllText(path));
    }

    public static string DefaultPath(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SaaSReference.sln")))
            {
                return Path.Combine(dir.FullName, ".data", "platform-secrets.json");
            }
        }
        return Path.Combine(start, ".data", "platform-secrets.json");
    }
}
