using SaaSReference.LocalInfrastructure;

namespace SaaSReference.AppHost;

/// <summary>
/// Secrets of the local stack that must stay the same across restarts: the operator bootstrap key, the
/// dashboard login token, the gateway's OIDC client secret, the demo machine client's secret and the load
/// machine clients' secrets (client id to secret, <see cref="LoadSeed"/>). A file from an older version that lacks
/// a field gets it added.
/// </summary>
internal sealed record LocalSecrets(string BootstrapKey, string DashboardToken, string? GatewayClientSecret, string? DemoMachineClientSecret,
    IReadOnlyDictionary<string, string>? LoadMachineClientSecrets = null)
{
    public static LocalSecrets LoadOrCreate(string path)
    {
        var secrets = SecretsFile.LoadOrCreate(path, () => new LocalSecrets(New(), New(), New(), New(), NewLoadSecrets(null)));
        if (secrets.GatewayClientSecret is null || secrets.DemoMachineClientSecret is null
            || LoadSeed.MachineClients.Any(c => secrets.LoadMachineClientSecrets?.ContainsKey(c.ClientId) != true))
        {
            secrets = secrets with
            {
                GatewayClientSecret = secrets.GatewayClientSecret ?? New(),
                DemoMachineClientSecret = secrets.DemoMachineClientSecret ?? New(),
                LoadMachineClientSecrets = NewLoadSecrets(secrets.LoadMachineClientSecrets),
            };
            File.Delete(path);
            SecretsFile.LoadOrCreate(path, () => secrets);
        }
        return secrets;
    }

    /// <summary>The load machine clients' secrets: those already kept stay, missing ones are generated.</summary>
    private static Dictionary<string, string> NewLoadSecrets(IReadOnlyDictionary<string, string>? existing) =>
        LoadSeed.MachineClients.ToDictionary(c => c.ClientId, c => existing?.GetValueOrDefault(c.ClientId) ?? New(), StringComparer.Ordinal);

    private static string New() => SecretsFile.NewToken(48);
}
