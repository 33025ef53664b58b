using SaaSReference.LocalInfrastructure;

namespace SaaSReference.AppHost;

/// <summary>
/// Secrets of the local stack that must stay the same across restarts: the operator bootstrap key, the
/// dashboard login token, the gateway's OIDC client secret and the demo machine client's secret. A file
/// from an older version that lacks a field gets it added.
/// </summary>
internal sealed record LocalSecrets(string BootstrapKey, string DashboardToken, string? GatewayClientSecret, string? DemoMachineClientSecret)
{
    public static LocalSecrets LoadOrCreate(string path)
    {
        var secrets = SecretsFile.LoadOrCreate(path, () => new LocalSecrets(New(), New(), New(), New()));
        if (secrets.GatewayClientSecret is null || secrets.DemoMachineClientSecret is null)
        {
            secrets = secrets with { GatewayClientSecret = secrets.GatewayClientSecret ?? New(), DemoMachineClientSecret = secrets.DemoMachineClientSecret ?? New() };
            File.Delete(path);
            SecretsFile.LoadOrCreate(path, () => secrets);
        }
        return secrets;
    }

    private static string New() => SecretsFile.NewToken(48);
}
