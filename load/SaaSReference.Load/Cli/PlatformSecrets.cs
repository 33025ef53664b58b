using System.Text.Json;

namespace SaaSReference.Load.Cli;

/// <summary>
/// The local stack's secrets file (<c>.data/platform-secrets.json</c>, written by the AppHost): the bootstrap
/// operator key, the demo machine client's secret and the load machine clients' secrets (client id to secret:
/// load-quiet-1-worker .. load-quiet-3-worker, load-noisy-worker; src/SaaSReference.AppHost/LoadSeed.cs).
/// </summary>
public sealed record PlatformSecrets(string? BootstrapKey, string? DemoMachineClientSecret,
    IReadOnlyDictionary<string, string>? LoadMachineClientSecrets = null)
{
    /// <summary>
    /// The load machine clients in the order the scenarios want them: quiet ones by id, the noisy one last
    /// (isolation treats the last client as the noisy tenant).
    /// </summary>
    public IReadOnlyList<(string Id, string Secret)> LoadMachineClients =>
        LoadMachineClientSecrets is null ? [] :
        [.. LoadMachineClientSecrets.OrderBy(c => c.Key.Contains("noisy", StringComparison.Ordinal)).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => (c.Key, c.Value))];

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
