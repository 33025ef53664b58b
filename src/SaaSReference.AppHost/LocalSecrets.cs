using SaaSReference.LocalInfrastructure;

namespace SaaSReference.AppHost;

/// <summary>Secrets of the local stack: the operator bootstrap key and the dashboard login token.</summary>
internal sealed record LocalSecrets(string BootstrapKey, string DashboardToken)
{
    public static LocalSecrets LoadOrCreate(string path) =>
        SecretsFile.LoadOrCreate(path, () => new LocalSecrets(SecretsFile.NewToken(48), SecretsFile.NewToken(48)));
}
