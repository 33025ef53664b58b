namespace SaaSReference.LocalInfrastructure;

/// <summary>
/// The two tenant regions of a local installation (16.1.7e): <c>jp-east</c> and <c>jp-west</c>, each a database of its own
/// on the local PostgreSQL server and a backup directory of its own; each region's backups are copied to the other's
/// backup site (18.1.3a). Answers the silo settings (configuration keys with ':'), with the other local file stores: the
/// key store, platform backups and the audit checkpoint log.
/// </summary>
public static class LocalRegions
{
    public static readonly IReadOnlyList<string> Names = ["jp-east", "jp-west"];

    /// <param name="server">The local PostgreSQL server.</param>
    /// <param name="databasePrefix">Prefix of the region databases' names (<c>{prefix}_jp_east</c>...).</param>
    /// <param name="dataRoot">Where the backup sites and the local key store live.</param>
    /// <param name="cancellationToken">Stops the database creation.</param>
    public static async Task<Dictionary<string, string>> EnsureAsync(PostgresServer server, string databasePrefix, string dataRoot,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TenantStorage:DefaultRegion"] = Names[0],
            // The local key provider's store of wrapped data keys and its key-encryption key (docs/tenant-storage.md).
            ["TenantKeys:Local:Directory"] = Path.Combine(dataRoot, "keys"),
            ["PlatformBackups:Directory"] = Path.Combine(dataRoot, "platform-backups"),
            // 12.4.2a: the copies of the audit checkpoints, outside the database (docs/audit.md, "Checkpoints").
            ["Audit:CheckpointDirectory"] = Path.Combine(dataRoot, "audit-checkpoints"),
        };
        for (var i = 0; i < Names.Count; i++)
        {
            var name = Names[i];
            var database = $"{databasePrefix}_{name.Replace('-', '_')}";
            await server.EnsureDatabaseAsync(database, cancellationToken);
            var prefix = $"TenantStorage:Regions:{name}:";
            settings[prefix + "ConnectionString"] = server.ConnectionStringFor(database);
            settings[prefix + "BackupDirectory"] = Path.Combine(dataRoot, "backups", name);
            settings[prefix + "BackupCopyRegion"] = Names[(i + 1) % Names.Count];
        }
        return settings;
    }

    /// <summary>The settings as environment variables ('__' for ':').</summary>
    public static Dictionary<string, string> AsEnvironment(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value, StringComparer.Ordinal);
    }
}
