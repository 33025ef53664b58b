using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>
/// Backups and restores of one tenant's storage (12.3.1b/c, 18.1.3a). A backup is a consistent snapshot of the tenant's
/// schema and nothing else, encrypted with the tenant's data key, written to its region's backup site, copied to the
/// paired region's site and catalogued. A restore puts a tenant's tables back as they were in one of its own backups,
/// in one transaction that touches no other schema; it is only ever run after a four-eyes approval (6.1.2a).
/// </summary>
public sealed partial class TenantBackupService : IDisposable
{
    private readonly TenantRegions _regions;
    private readonly TenantStorageCatalog _storage;
    private readonly TenantBackupCatalog _catalog;
    private readonly ITenantKeyring _keyring;
    private readonly TenantBackupOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TenantBackupService> _logger;
    private readonly SemaphoreSlim _gate;

    public TenantBackupService(TenantRegions regions, TenantStorageCatalog storage, TenantBackupCatalog catalog, ITenantKeyring keyring,
        IOptions<TenantBackupOptions> options, TimeProvider time, ILogger<TenantBackupService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        var problems = _options.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Tenant backups are misconfigured: " + string.Join(" ", problems));
        }
        _regions = regions;
        _storage = storage;
        _catalog = catalog;
        _keyring = keyring;
        _time = time;
        _logger = logger;
        _gate = new SemaphoreSlim(_options.MaxConcurrentBackups, _options.MaxConcurrentBackups);
    }

    /// <summary>
    /// Takes a backup of the tenant's schema, catalogues it, and copies it to the paired region's backup site. Answers the
    /// catalogued backup: completed, with <see cref="TenantBackup.CopiedAt"/> set once the copy's SHA-256 was verified
    /// (or <see cref="TenantBackup.CopyError"/> when the copy failed; the backup itself is good then).
    /// </summary>
    /// <exception cref="TenantStorageUnavailableException">The tenant has no provisioned storage.</exception>
    /// <exception cref="TenantKeyUnavailableException">The tenant's key is revoked or destroyed; nothing was written.</exception>
    /// <exception cref="TenantBackupFailedException">The snapshot or the artifact failed; the backup is catalogued as failed.</exception>
    public async Task<TenantBackup> CreateAsync(string tenantId, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var location = await StoredAsync(tenantId, cancellationToken) ?? throw new TenantStorageUnavailableException(tenantId);
        var site = _regions.Region(location.Region);
        if (string.IsNullOrWhiteSpace(site.BackupDirectory))
        {
            throw new InvalidOperationException($"Region '{location.Region}' has no backup site: configure {TenantStorageOptions.Section}:Regions:{location.Region}:BackupDirectory.");
        }
        // 10.1.2b: the backup is encrypted with the tenant's current key; a revoked or destroyed key stops it here.
        var key = await _keyring.GetCurrentAsync(tenantId, cancellationToken);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var backupId = Guid.CreateVersion7(now);
            var relative = TenantBackupFormat.ArtifactPath(tenantId, backupId);
            var artifact = TenantBackupFormat.Resolve(site.BackupDirectory, relative);
            await _catalog.InsertAsync(backupId, tenantId, location.Region, relative, now, actor, cancellationToken);
            try
            {
                var manifest = await SnapshotAsync(location, key, backupId, now, actor, artifact, cancellationToken);
                await _catalog.CompleteAsync(backupId, _time.GetUtcNow(), manifest.SizeBytes, manifest.Sha256, manifest.RegionSchemaVersion, manifest.KeyVersion,
                    manifest.Tables.ToDictionary(table => table.Name, table => table.Rows, StringComparer.Ordinal), manifest.DataBytes, cancellationToken);
                LogCreated(_logger, backupId, tenantId, location.Region, manifest.SizeBytes);
            }
            catch (Exception exception)
            {
                DeleteQuietly(artifact + ".partial", artifact, TenantBackupFormat.ManifestPathOf(artifact) + ".partial", TenantBackupFormat.ManifestPathOf(artifact));
                var reason = FailureReason(exception, location.Region);
                await _catalog.FailAsync(backupId, reason, CancellationToken.None);
                LogFailed(_logger, backupId, tenantId, reason);
                if (exception is OperationCanceledException)
                {
                    throw;
                }
                throw new TenantBackupFailedException(backupId, reason, exception);
            }
            var backup = await _catalog.GetAsync(backupId, CancellationToken.None)
                ?? throw new InvalidOperationException($"Backup {backupId} was catalogued but cannot be read back.");
            return await CopyAsync(backup, site, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The bytes of records and files the tenant stores now (what its stored-bytes usage counts).</summary>
    public async Task<long> MeasureDataBytesAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var location = await StoredAsync(tenantId, cancellationToken) ?? throw new TenantStorageUnavailableException(tenantId);
        await using var connection = await _regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
        return await DataBytesAsync(connection, location.SchemaName, cancellationToken);
    }

    private async Task<TenantStorageLocation?> StoredAsync(string tenantId, CancellationToken cancellationToken) =>
        await _storage.GetAsync(tenantId, cancellationToken) is { State: TenantStorageState.Provisioned } location ? location : null;

    private async Task<TenantBackupManifest> SnapshotAsync(TenantStorageLocation location, TenantDataKey key, Guid backupId, DateTimeOffset createdAt,
        string actor, string artifact, CancellationToken cancellationToken)
    {
        var tenantId = location.TenantId;
        var partial = artifact + ".partial";
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);

        // One snapshot: every table as of the same moment, and nothing written through this transaction.
        await using var connection = await _regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await ExecuteAsync(connection, "SET TRANSACTION READ ONLY", cancellationToken);
        var schema = await RegisteredSchemaAsync(connection, tenantId, location, cancellationToken);
        var columns = await ColumnsAsync(connection, schema, cancellationToken);
        var schemaVersion = await ScalarAsync<int>(connection, "SELECT coalesce(max(version), 0) FROM public.schema_migrations", cancellationToken);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in TenantBackupFormat.Tables)
        {
            rows[table] = await ScalarAsync<long>(connection, $"SELECT count(*) FROM {Quote(schema)}.{Quote(table)}", cancellationToken);
        }
        var dataBytes = await DataBytesAsync(connection, schema, cancellationToken);

        string sha256;
        long size;
        var buffer = new byte[TenantBackupFormat.MaxBlockBytes];
        try
        {
            await using var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            using var writer = new TenantBackupWriter(file, key, tenantId, backupId, _options.ChunkSizeBytes);
            await writer.WriteHeaderAsync(cancellationToken);
            await writer.WriteAsync(TenantBackupFormat.DataMagic.ToArray(), cancellationToken);
            await writer.WriteAsync(TenantBackupFormat.Text(tenantId), cancellationToken);
            foreach (var table in TenantBackupFormat.Tables)
            {
                await TenantBackupFormat.WriteTableFrameAsync(writer, table, columns[table], rows[table], cancellationToken);
                await using (var copy = await connection.BeginRawBinaryCopyAsync(
                    $"COPY {Quote(schema)}.{Quote(table)} ({ColumnList(columns[table])}) TO STDOUT (FORMAT BINARY)", cancellationToken))
                {
                    int read;
                    while ((read = await copy.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        await writer.WriteAsync(TenantBackupFormat.Int32(read), cancellationToken);
                        await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }
                }
                await writer.WriteAsync(TenantBackupFormat.Int32(0), cancellationToken);
            }
            await writer.WriteAsync(new[] { TenantBackupFormat.EndFrame }, cancellationToken);
            await writer.WriteAsync(TenantBackupFormat.Int32(TenantBackupFormat.Tables.Count), cancellationToken);
            sha256 = await writer.CompleteAsync(cancellationToken);
            size = writer.Length;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
        await transaction.CommitAsync(cancellationToken);
        File.Move(partial, artifact, overwrite: false);

        var manifest = new TenantBackupManifest(TenantBackupFormat.ManifestFormat, backupId, tenantId, location.Region, schema, createdAt, actor,
            size, sha256, schemaVersion, key.Version, TenantBackupFormat.Cipher, _options.ChunkSizeBytes, dataBytes,
            [.. TenantBackupFormat.Tables.Select(table => new TenantBackupManifestTable(table, rows[table], columns[table]))]);
        var manifestPath = TenantBackupFormat.ManifestPathOf(artifact);
        await using (var stream = new FileStream(manifestPath + ".partial", FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await JsonSerializer.SerializeAsync(stream, manifest, TenantBackupManifest.JsonOptions, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        File.Move(manifestPath + ".partial", manifestPath, overwrite: false);
        return manifest;
    }

    /// <summary>18.1.3a: copies the artifact and its manifest to the paired region's backup site and verifies the copy.</summary>
    private async Task<TenantBackup> CopyAsync(TenantBackup backup, TenantRegionOptions site, CancellationToken cancellationToken)
    {
        if (site.BackupCopyRegion is not { } copyRegion)
        {
            return backup;
        }
        var relative = TenantBackupFormat.CopyPath(backup.Region, backup.TenantId, backup.BackupId);
        string? target = null;
        try
        {
            var copySite = _regions.Region(copyRegion).BackupDirectory;
            if (string.IsNullOrWhiteSpace(copySite))
            {
                throw new IOException("The paired region has no backup site.");
            }
            var source = TenantBackupFormat.Resolve(site.BackupDirectory, backup.Location);
            target = TenantBackupFormat.Resolve(copySite, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await CopyFileAsync(source, target + ".partial", cancellationToken);
            // Read back from the copy site: the catalogue says "copied" only for a copy whose bytes are the artifact's.
            if (await Sha256Async(target + ".partial", cancellationToken) != backup.Sha256)
            {
                throw new IOException("The copy's SHA-256 differs from the artifact's.");
            }
            File.Move(target + ".partial", target, overwrite: true);
            await CopyFileAsync(TenantBackupFormat.ManifestPathOf(source), TenantBackupFormat.ManifestPathOf(target), cancellationToken);
            await _catalog.RecordCopyAsync(backup.BackupId, copyRegion, relative, _time.GetUtcNow(), cancellationToken);
            LogCopied(_logger, backup.BackupId, backup.Region, copyRegion);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (target is not null)
            {
                DeleteQuietly(target + ".partial");
            }
            var reason = $"The copy to the backup site of region {copyRegion} failed: {(exception is UnauthorizedAccessException ? "access denied" : exception.Message)}";
            await _catalog.RecordCopyFailureAsync(backup.BackupId, copyRegion, reason, CancellationToken.None);
            LogCopyFailed(_logger, backup.BackupId, copyRegion, reason);
        }
        return await _catalog.GetAsync(backup.BackupId, CancellationToken.None) ?? backup;
    }

    private static async Task CopyFileAsync(string source, string target, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
        await input.CopyToAsync(output, cancellationToken);
        await output.FlushAsync(cancellationToken);
        output.Flush(flushToDisk: true);
    }

    /// <summary>The SHA-256 of a file (lower-case hex), read as a stream.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    /// <summary>The tenant's schema as the region registers it; refuses a registration that is not the platform's.</summary>
    private static async Task<string> RegisteredSchemaAsync(NpgsqlConnection connection, string tenantId, TenantStorageLocation location,
        CancellationToken cancellationToken)
    {
        var schema = await ScalarAsync<string?>(connection, "SELECT schema_name FROM tenant_storage.tenants WHERE tenant_id = $1", cancellationToken, tenantId);
        return schema == location.SchemaName
            ? schema
            : throw new TenantBackupRefusedException(TenantBackupRefusal.TenantNotStored,
                $"Tenant '{tenantId}' is not stored in region {location.Region} as the platform records it.");
    }

    /// <summary>
    /// The columns each table of the schema holds (generated ones excepted: PostgreSQL computes them), in order. Refuses
    /// a schema whose tables are not exactly <see cref="TenantBackupFormat.Tables"/>.
    /// </summary>
    private static async Task<Dictionary<string, IReadOnlyList<string>>> ColumnsAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var columns = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
            """
            SELECT c.relname, a.attname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
             ORDER BY c.relname, a.attnum
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var table = reader.GetString(0);
                if (!columns.TryGetValue(table, out var list))
                {
                    columns[table] = list = [];
                }
                list.Add(reader.GetString(1));
            }
        }
        var unknown = columns.Keys.Except(TenantBackupFormat.Tables, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var missing = TenantBackupFormat.Tables.Except(columns.Keys, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0 || missing.Count > 0)
        {
            throw new TenantBackupRefusedException(TenantBackupRefusal.SchemaChanged,
                $"The tenant's schema does not have the tables backups know (unknown: {string.Join(", ", unknown)}; missing: {string.Join(", ", missing)}).");
        }
        return columns.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value, StringComparer.Ordinal);
    }

    private static Task<long> DataBytesAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken) =>
        ScalarAsync<long>(connection,
            $"SELECT (SELECT coalesce(sum(size_bytes), 0) FROM {Quote(schema)}.records)::bigint + (SELECT coalesce(sum(size_bytes), 0) FROM {Quote(schema)}.files)::bigint",
            cancellationToken);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string ColumnList(IReadOnlyList<string> columns) => string.Join(", ", columns.Select(Quote));

    private static string Text(TenantBackupStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Why a backup failed, in words fit for the catalogue and operators: no stack, no connection string, no key.</summary>
    private static string FailureReason(Exception exception, string region) => exception switch
    {
        OperationCanceledException => "Cancelled before it was complete.",
        TenantBackupRefusedException refused => refused.Message,
        PostgresException postgres => $"The database of region {region} refused the snapshot (SQLSTATE {postgres.SqlState}).",
        NpgsqlException => $"The database of region {region} could not be read.",
        UnauthorizedAccessException => $"The backup site of region {region} refused the write (access denied).",
        IOException => $"The backup site of region {region} could not be written.",
        _ => "The backup failed unexpectedly; see the silo's log.",
    };

    private static void DeleteQuietly(params string[] paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(EventId = 9300, Level = LogLevel.Information, Message = "Backup {BackupId} of tenant {TenantId} taken in region {Region} ({SizeBytes} bytes).")]
    private static partial void LogCreated(ILogger logger, Guid backupId, string tenantId, string region, long sizeBytes);

    [LoggerMessage(EventId = 9301, Level = LogLevel.Warning, Message = "Backup {BackupId} of tenant {TenantId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid backupId, string tenantId, string reason);

    [LoggerMessage(EventId = 9302, Level = LogLevel.Information, Message = "Backup {BackupId} copied from region {Region} to the backup site of region {CopyRegion}; SHA-256 verified.")]
    private static partial void LogCopied(ILogger logger, Guid backupId, string region, string copyRegion);

    [LoggerMessage(EventId = 9303, Level = LogLevel.Warning, Message = "Backup {BackupId} was not copied to region {CopyRegion}: {Reason}")]
    private static partial void LogCopyFailed(ILogger logger, Guid backupId, string copyRegion, string reason);

    [LoggerMessage(EventId = 9304, Level = LogLevel.Warning, Message = "Backup {BackupId}: the {Which} artifact is unusable ({Why}).")]
    private static partial void LogArtifactUnusable(ILogger logger, Guid backupId, string which, string why);

    [LoggerMessage(EventId = 9305, Level = LogLevel.Warning,
        Message = "Tenant {TenantId} restored to backup {BackupId} in region {Region} (from copy: {FromCopy}); requested by {Actor}, approved by {ApprovedBy}.")]
    private static partial void LogRestored(ILogger logger, Guid backupId, string tenantId, string region, bool fromCopy, string actor, string approvedBy);
}
