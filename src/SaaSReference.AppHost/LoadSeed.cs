namespace SaaSReference.AppHost;

/// <summary>
/// Tenants and machine clients for the load runner's scenarios on the local stack (load/README.md): three quiet
/// tenants and one noisy tenant for `isolation`, each with a machine client whose secret is kept in
/// .data/platform-secrets.json (<see cref="LocalSecrets.LoadMachineClientSecrets"/>), where the runner reads it.
/// </summary>
internal static class LoadSeed
{
    /// <summary>The collection the load scenarios write their records to, created with each load tenant.</summary>
    public const string Collection = "load";

    /// <summary>Client id and tenant of each load machine client; the noisy tenant comes last.</summary>
    public static IReadOnlyList<(string ClientId, string TenantId)> MachineClients { get; } =
    [
        ("load-quiet-1-worker", "load-quiet-1"),
        ("load-quiet-2-worker", "load-quiet-2"),
        ("load-quiet-3-worker", "load-quiet-3"),
        ("load-noisy-worker", "load-noisy"),
    ];
}
