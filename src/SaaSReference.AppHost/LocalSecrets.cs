using SaaSReference.LocalInfrastructure;

namespace SaaSReference.AppHost;

/// <summary>
/// Secrets of the local stack that must stay the same across restarts: the operator bootstrap key, the
/// dashboard login token, the gateway's OIDC client secret, the demo machine client's secret and the load
/// machine clients' secrets (client id to secret, <see cref="LoadSeed"/>) and the audit signing key. A file from an older
/// version that lacks a field gets it added.
/// </summary>
internal sealed record LocalSecrets(string BootstrapKey, string DashboardToken, string? GatewayClientSecret, string? DemoMachineClientSecret,
    IReadOnlyDictionary<string, string>? LoadMachineClientSecrets = null, string? AuditCheckpointSigningKey = null)
{
    public static LocalSecrets LoadOrCreate(string path)
    {
        var secrets = SecretsFile.LoadOrCreate(path, () => new LocalSecrets(New(), New(), New(), New(), NewLoadSecrets(null), NewSigningKey()));
        if (secrets.GatewayClientSecret is null || secrets.DemoMachineClientSecret is null || secrets.AuditCheckpointSigningKey is null
            || LoadSeed.MachineClients.Any(c => secrets.LoadMachineClientSecrets?.ContainsKey(c.ClientId) != true))
        {
            secrets = secrets with
            {
                GatewayClientSecret = secrets.GatewayClientSecret ?? New(),
                DemoMachineClientSecret = secrets.DemoMachineClientSecret ?? New(),
                LoadMachineClientSecrets = NewLoadSecrets(secrets.LoadMachineClientSecrets),
                AuditCheckpointSigningKey = secrets.AuditCheckpointSigningKey ?? NewSigningKey(),
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

    /// <summary>
    /// 12.4.2a/b: one audit signing key (ECDSA P-256, PKCS#8, base64) for every silo, kept across restarts: checkpoints and
    /// signed exports of one silo verify on every other, and after a restart.
    /// </summary>
    private static string NewSigningKey()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(key.ExportPkcs8PrivateKey());
    }
}
