using System.Data;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>The restore side of <see cref="TenantBackupService"/>: checking a backup, choosing an intact copy, loading it back.</summary>
public sealed partial class TenantBackupService
{
    /// <summary>
    /// Checks that the backup can be restored into the tenant now: it is one of the tenant's own, completed, of the
    /// tenant's region, its artifact (or copy) is there at its catalogued size, and its key version is usable. Answers the
    /// backup. Used when a restore is requested and again when it is approved.
    /// </summary>
    /// <exception cref="TenantBackupRefusedException">Why not.</exception>
    /// <exception cref="TenantKeyUnavailableException">The key version that encrypted it is revoked or destroyed.</exception>
    public async Task<TenantBackup> EnsureRestorableAsync(string tenantId, Guid backupId, CancellationToken cancellationToken = default)
    {
        var (backup, _, _) = await CheckAsync(tenantId, backupId, cancellationToken);
        if (!Candidates(backup).Any(candidate => File.Exists(candidate.Path) && new FileInfo(candidate.Path).Length == backup.SizeBytes))
        {
            throw new TenantBackupRefusedException(TenantBackupRefusal.NoIntactArtifact,
                $"Neither the artifact of backup {backupId} nor its copy is at its backup site any more.");
        }
        return backup;
    }

    /// <summary>
    /// Restores the tenant's tables to <paramref name="backupId"/>, after a four-eyes approval (12.3.1, 6.1.2a): verifies
    /// the artifact's SHA-256 (the primary, else the copy at the paired site), decrypts it and, in one transaction in the
    /// region's database, empties the tenant's tables and copies the backup's rows back. No other schema is touched; any
    /// failure rolls everything back and leaves the tenant's data as it was.
    /// </summary>
    /// <remarks>
    /// The grain state rows come back with their versions moved above every version the tenant's grains had before the
    /// restore: a grain still active with pre-restore state fails its next write (and is reactivated from the restored
    /// state) instead of overwriting what was restored.
    /// </remarks>
    /// <exception cref="TenantBackupRefusedException">Not restorable, or not approved by a second person; nothing was changed.</exception>
    /// <exception cref="TenantBackupCorruptException">The artifact is not what was catalogued; nothing was changed.</exception>
    /// <exception cref="TenantKeyUnavailableException">The key is revoked or destroyed; nothing was changed.</exception>
    public async Task<TenantRestoreResult> RestoreAsync(string tenantId, Guid backupId, string actor, string approvedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        if (string.IsNullOrWhiteSpace(approvedBy) || string.Equals(actor, approvedBy, StringComparison.Ordinal))
        {
            throw new TenantBackupRefusedException(TenantBackupRefusal.NotApproved,
                "A restore needs the approval of a second person, not the one who asked for it (four eyes, 6.1.2a).");
        }
        var (backup, location, key) = await CheckAsync(tenantId, backupId, cancellationToken);
        var (artifact, fromCopy) = await IntactArtifactAsync(backup, cancellationToken);

        await using var connection = await _regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await ScalarAsync<string>(connection, "SELECT set_config('lock_timeout', $1, true)", cancellationToken,
            ((long)_options.RestoreLockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
        // The same lock as provisioning and dropping the tenant: neither runs while its tables are being replaced.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtextextended('saasref-tenant:' || $1, 0))", cancellationToken, tenantId);
        var schema = await RegisteredSchemaAsync(connection, tenantId, location, cancellationToken);
        var columns = await ColumnsAsync(connection, schema, cancellationToken);
        var before = await DataBytesAsync(connection, schema, cancellationToken);
        var fence = await ScalarAsync<int>(connection, $"SELECT coalesce(max(version), 0) FROM {Quote(schema)}.grain_state", cancellationToken);

        // 12.3.1c: only this tenant's tables, named by its own schema; TRUNCATE is transactional and rolls back with the rest.
        await ExecuteAsync(connection, "TRUNCATE TABLE " + string.Join(", ", TenantBackupFormat.Tables.Select(table => $"{Quote(schema)}.{Quote(table)}")),
            cancellationToken);
        var counts = await CopyInAsync(connection, backup, key, artifact, schema, columns, cancellationToken);
        foreach (var (table, rows) in counts)
        {
            var stored = await ScalarAsync<long>(connection, $"SELECT count(*) FROM {Quote(schema)}.{Quote(table)}", cancellationToken);
            if (stored != rows)
            {
                throw new TenantBackupCorruptException($"Table {table} has {stored} rows after the restore, not the {rows} of the backup.");
            }
        }
        if (fence > 0)
        {
            await ExecuteAsync(connection, $"UPDATE {Quote(schema)}.grain_state SET version = version + {fence.ToString(CultureInfo.InvariantCulture)}",
                cancellationToken);
        }
        var after = await DataBytesAsync(connection, schema, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRestored(_logger, backupId, tenantId, location.Region, fromCopy, actor, approvedBy);
        return new TenantRestoreResult(backupId, tenantId, location.Region, fromCopy, counts, before, after);
    }

    private async Task<(TenantBackup Backup, TenantStorageLocation Location, TenantDataKey Key)> CheckAsync(string tenantId, Guid backupId,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        var backup = await _catalog.GetAsync(backupId, cancellationToken);
        if (backup is null)
        {
            throw new TenantBackupRefusedException(TenantBackupRefusal.NotFound, $"No backup has id {backupId}.");
        }
        if (!string.Equals(backup.TenantId, tenantId, StringComparison.Ordinal))
        {
            // The other tenant is not named: its backups are none of this request's business.
            throw new TenantBackupRefusedException(TenantBackupRefusal.OtherTenant, $"Backup {backupId} is not a backup of tenant '{tenantId}'.");
        }
        if (backup.Status != TenantBackupStatus.Completed || backup.KeyVersion is null || backup.Sha256 is null || backup.SizeBytes is null)
        {
            throw new TenantBackupRefusedException(TenantBackupRefusal.NotCompleted, $"Backup {backupId} is {Text(backup.Status)}, not completed; it cannot be restored.");
        }
        var location = await StoredAsync(tenantId, cancellationToken)
            ?? throw new TenantBackupRefusedException(TenantBackupRefusal.TenantNotStored, $"Tenant '{tenantId}' has no storage to restore into.");
        if (!string.Equals(location.Region, backup.Region, StringComparison.Ordinal))
        {
            throw new TenantBackupRefusedException(TenantBackupRefusal.OtherRegion,
                $"Backup {backupId} was taken in region {backup.Region}; tenant '{tenantId}' is stored in {location.Region}.");
        }
        var key = await _keyring.GetAsync(tenantId, backup.KeyVersion.Value, cancellationToken);
        return (backup, location, key);
    }

    private IEnumerable<(string Path, bool FromCopy)> Candidates(TenantBackup backup)
    {
        if (_regions.IsKnown(backup.Region) && _regions.Region(backup.Region).BackupDirectory is { Length: > 0 } primary)
        {
            yield return (TenantBackupFormat.Resolve(primary, backup.Location), false);
        }
        if (backup is { CopyRegion: { } copyRegion, CopyLocation: { } copyLocation, CopiedAt: not null } && _regions.IsKnown(copyRegion)
            && _regions.Region(copyRegion).BackupDirectory is { Length: > 0 } copySite)
        {
            yield return (TenantBackupFormat.Resolve(copySite, copyLocation), true);
        }
    }

    /// <summary>The primary artifact if its SHA-256 is the catalogued one, else the copy if its is (18.1.3a).</summary>
    private async Task<(string Path, bool FromCopy)> IntactArtifactAsync(TenantBackup backup, CancellationToken cancellationToken)
    {
        foreach (var (path, fromCopy) in Candidates(backup))
        {
            if (!File.Exists(path))
            {
                LogArtifactUnusable(_logger, backup.BackupId, fromCopy ? "copy" : "primary", "missing");
                continue;
            }
            if (new FileInfo(path).Length == backup.SizeBytes && await Sha256Async(path, cancellationToken) == backup.Sha256)
            {
                return (path, fromCopy);
            }
            LogArtifactUnusable(_logger, backup.BackupId, fromCopy ? "copy" : "primary", "its SHA-256 is not the catalogued one");
        }
        throw new TenantBackupRefusedException(TenantBackupRefusal.NoIntactArtifact,
            $"Neither the artifact of backup {backup.BackupId} nor its copy has the catalogued SHA-256; nothing was restored.");
    }

    /// <summary>Feeds the artifact's tables, in order, to <c>COPY ... FROM STDIN</c>; answers the rows of each.</summary>
    private async Task<Dictionary<string, long>> CopyInAsync(NpgsqlConnection connection, TenantBackup backup, TenantDataKey key, string artifact, string schema,
        IReadOnlyDictionary<string, IReadOnlyList<string>> columns, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var buffer = new byte[TenantBackupFormat.MaxBlockBytes];
        try
        {
            await using var file = new FileStream(artifact, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var reader = new TenantBackupReader(file, key, backup.TenantId, backup.BackupId);
            await reader.ReadHeaderAsync(cancellationToken);
            if (!(await reader.ReadExactlyAsync(8, cancellationToken)).AsSpan().SequenceEqual(TenantBackupFormat.DataMagic)
                || await TenantBackupFormat.ReadTextAsync(reader, cancellationToken) != backup.TenantId)
            {
                throw new TenantBackupCorruptException("The artifact's data is not this tenant's backup.");
            }
            foreach (var table in TenantBackupFormat.Tables)
            {
                var frame = await TenantBackupFormat.ReadFrameAsync(reader, TenantBackupFormat.Tables.Count, cancellationToken)
                    ?? throw new TenantBackupCorruptException("The backup ends before all the tenant's tables.");
                if (frame.Name != table)
                {
                    throw new TenantBackupCorruptException($"The backup has table {frame.Name} where {table} was expected.");
                }
                if (!frame.Columns.SequenceEqual(columns[table], StringComparer.Ordinal))
                {
                    throw new TenantBackupRefusedException(TenantBackupRefusal.SchemaChanged,
                        $"Table {table} has changed since backup {backup.BackupId} was taken (region schema version {backup.RegionSchemaVersion}); it cannot be restored into it.");
                }
                if (backup.RowCounts.TryGetValue(table, out var catalogued) && catalogued != frame.Rows)
                {
                    throw new TenantBackupCorruptException($"The backup's table {table} has {frame.Rows} rows; the catalogue says {catalogued}.");
                }
                var copy = await connection.BeginRawBinaryCopyAsync(
                    $"COPY {Quote(schema)}.{Quote(table)} ({ColumnList(columns[table])}) FROM STDIN (FORMAT BINARY)", cancellationToken);
                try
                {
                    int length;
                    while ((length = await TenantBackupFormat.ReadBlockLengthAsync(reader, cancellationToken)) > 0)
                    {
                        while (length > 0)
                        {
                            var read = await reader.ReadAsync(buffer.AsMemory(0, Math.Min(length, buffer.Length)), cancellationToken);
                            if (read == 0)
                            {
                                throw new TenantBackupCorruptException("The backup ends inside a table (truncated).");
                            }
                            await copy.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                            length -= read;
                        }
                    }
                }
                catch
                {
                    await copy.CancelAsync();
                    await copy.DisposeAsync();
                    throw;
                }
                await copy.DisposeAsync();
                counts[table] = frame.Rows;
            }
            if (await TenantBackupFormat.ReadFrameAsync(reader, TenantBackupFormat.Tables.Count, cancellationToken) is not null)
            {
                throw new TenantBackupCorruptException("The backup has more tables than the tenant's schema.");
            }
            // Hashed while it was read: what went into the tables is exactly the catalogued artifact.
            if (await reader.FinishAsync(cancellationToken) != backup.Sha256)
            {
                throw new TenantBackupCorruptException("The artifact changed while it was being restored.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
        return counts;
    }
}
