using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace SaaSReference.Database.TenantData.Keys;

/// <summary>The tables a re-encryption pass walks, in this order.</summary>
public enum ReencryptionTable
{
    Records = 0,
    FileChunks = 1,
    Files = 2,
}

/// <summary>
/// Where a re-encryption pass stands: the table, and the primary key of the last row it looked at (records and files:
/// collection and id; file chunks: upload id and chunk number), or nulls for the table's start.
/// </summary>
public sealed record ReencryptionCursor(ReencryptionTable Table, string? AfterFirst, string? AfterSecond)
{
    public static ReencryptionCursor Start { get; } = new(ReencryptionTable.Records, null, null);
}

/// <summary>What one batch did.</summary>
/// <param name="TargetVersion">The key version everything is being brought to (the current one; higher than asked if the key was rotated again).</param>
/// <param name="Next">Where the next batch starts.</param>
/// <param name="Reencrypted">Rows brought to <paramref name="TargetVersion"/>.</param>
/// <param name="Skipped">Rows a concurrent write changed between reading and updating: left to that write, looked at again in the next pass.</param>
/// <param name="PassCompleted">The batch finished a pass over the three tables.</param>
/// <param name="Completed">No row of the tenant needs a key version older than <paramref name="TargetVersion"/> any more.</param>
public sealed record ReencryptionBatch(int TargetVersion, ReencryptionCursor Next, int Reencrypted, int Skipped, bool PassCompleted, bool Completed);

/// <summary>A row cannot be re-encrypted: it does not decrypt with the key it names, or its content is not what it should be.</summary>
public sealed class TenantDataReencryptionException(string tenantId, string place, Exception inner)
    : Exception($"The {place} of tenant '{tenantId}' cannot be re-encrypted: it does not decrypt with the key version it names.", inner)
{
    public string TenantId { get; } = tenantId;

    /// <summary>Which row (table and key; no content).</summary>
    public string Place { get; } = place;
}

/// <summary>
/// Re-encryption after a key rotation (10.1.2b), without downtime: brings every row of a tenant that a retired key version
/// encrypted (records with their blind index, file chunks, file metadata) to the current version, in bounded batches, each
/// in one transaction. Each update is conditional on the row being as it was read (<c>key_version</c> and <c>version</c>, or
/// the chunk's bytes): a write of the data API in between wins and is never overwritten. Readers keep working all along:
/// retired versions stay readable, and the blind-index filter looks for a token of each readable version.
/// </summary>
public sealed partial class TenantDataReencryptor(TenantStorageLocator locator, TenantRegions regions, TenantKeyring keyring)
{
    /// <summary>File chunks are large: a batch takes this fraction of the row batch size (at least one, at most 32).</summary>
    private const int ChunkBatchDivisor = 10;

    /// <summary>Rows (of the three tables) that still need a key version older than <paramref name="targetVersion"/>.</summary>
    public async Task<long> CountPendingAsync(string tenantId, int targetVersion, CancellationToken cancellationToken = default)
    {
        var (source, schema) = await StorageAsync(tenantId, cancellationToken);
        await using var command = source.CreateCommand(
            $"""
            SELECT (SELECT count(*) FROM {schema}.records WHERE key_version < $1)
                 + (SELECT count(*) FROM {schema}.file_chunks WHERE key_version < $1)
                 + (SELECT count(*) FROM {schema}.files WHERE key_version < $1)
            """);
        command.Parameters.Add(new() { Value = targetVersion });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Re-encrypts up to <paramref name="batchSize"/> rows of the cursor's table after the cursor. At the end of the last table
    /// it checks whether any row still needs an older version: none means <see cref="ReencryptionBatch.Completed"/>; some
    /// (written with a stale key meanwhile, or skipped for a concurrent write) start another pass.
    /// </summary>
    /// <exception cref="TenantKeyUnavailableException">The key is revoked or destroyed: nothing was changed by this batch.</exception>
    /// <exception cref="TenantDataReencryptionException">A row does not decrypt: nothing of this batch was changed.</exception>
    public async Task<ReencryptionBatch> RunBatchAsync(string tenantId, int targetVersion, ReencryptionCursor cursor, int batchSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var current = await CurrentAsync(tenantId, targetVersion, cancellationToken);
        var (source, schema) = await StorageAsync(tenantId, cancellationToken);
        var step = cursor.Table switch
        {
            ReencryptionTable.Records => await RecordsAsync(source, schema, current, cursor, batchSize, cancellationToken),
            ReencryptionTable.FileChunks => await FileChunksAsync(source, schema, current, cursor, Math.Clamp(batchSize / ChunkBatchDivisor, 1, 32), cancellationToken),
            _ => await FilesAsync(source, schema, current, cursor, batchSize, cancellationToken),
        };
        if (step.Next is not null)
        {
            return new ReencryptionBatch(current.Version, step.Next, step.Reencrypted, step.Skipped, false, false);
        }
        // The end of this table: on to the next one, or, after the last, the end of a pass.
        if (cursor.Table != ReencryptionTable.Files)
        {
            return new ReencryptionBatch(current.Version, new ReencryptionCursor(cursor.Table + 1, null, null), step.Reencrypted, step.Skipped, false, false);
        }
        var remaining = await AnyPendingAsync(source, schema, current.Version, cancellationToken);
        return new ReencryptionBatch(current.Version, ReencryptionCursor.Start, step.Reencrypted, step.Skipped, true, !remaining);
    }

    private async Task<TenantDataKey> CurrentAsync(string tenantId, int targetVersion, CancellationToken cancellationToken)
    {
        var current = await keyring.GetCurrentAsync(tenantId, cancellationToken);
        if (current.Version < targetVersion)
        {
            // Rotated on another silo a moment ago: read the metadata again rather than wait for the notification.
            keyring.Invalidate(tenantId);
            current = await keyring.GetCurrentAsync(tenantId, cancellationToken);
        }
        return current.Version >= targetVersion
            ? current
            : throw new InvalidOperationException($"Version {targetVersion} of the data key of tenant '{tenantId}' is not its current version.");
    }

    private async Task<(NpgsqlDataSource Source, string Schema)> StorageAsync(string tenantId, CancellationToken cancellationToken)
    {
        var location = await locator.GetAsync(tenantId, cancellationToken) ?? throw new TenantStorageUnavailableException(tenantId);
        if (!SchemaPattern().IsMatch(location.SchemaName))
        {
            throw new InvalidOperationException($"The schema name of tenant '{tenantId}' is not one of the platform's.");
        }
        return (regions.DataSource(location.Region), "\"" + location.SchemaName + "\"");
    }

    private sealed record Step(ReencryptionCursor? Next, int Reencrypted, int Skipped);

    private sealed record PendingRow(string Collection, string Id, long Version, int KeyVersion, byte[]? Sealed);

    /// <summary>
    /// The next rows of a table keyed by (collection, id) still on an older key version than <paramref name="current"/>,
    /// after the cursor, with their encrypted column.
    /// </summary>
    private static async Task<List<PendingRow>> PendingRowsAsync(NpgsqlDataSource source, string schema, string table, string sealedColumn,
        TenantDataKey current, ReencryptionCursor cursor, int limit, CancellationToken cancellationToken)
    {
        var rows = new List<PendingRow>();
        await using var select = source.CreateCommand(
            $"""
            SELECT collection, id, version, key_version, {sealedColumn} FROM {schema}.{table}
             WHERE key_version < $1 {(cursor.AfterFirst is null ? "" : "AND (collection, id) > ($3, $4)")}
             ORDER BY collection, id LIMIT $2
            """);
        select.Parameters.Add(new() { Value = current.Version });
        select.Parameters.Add(new() { Value = limit });
        if (cursor.AfterFirst is not null)
        {
            select.Parameters.Add(new() { Value = cursor.AfterFirst });
            select.Parameters.Add(new() { Value = cursor.AfterSecond ?? "" });
        }
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new PendingRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4)));
        }
        return rows;
    }

    private async Task<Step> RecordsAsync(NpgsqlDataSource source, string schema, TenantDataKey current, ReencryptionCursor cursor, int limit,
        CancellationToken cancellationToken)
    {
        var tenantId = current.TenantId;
        var rows = (await PendingRowsAsync(source, schema, "records", "payload", current, cursor, limit, cancellationToken))
            .Select(row => (row.Collection, row.Id, row.Version, row.KeyVersion, Payload: row.Sealed!)).ToList();

        var updates = new List<(string Collection, string Id, long Version, int KeyVersion, byte[] Payload, byte[][] Tokens)>(rows.Count);
        foreach (var row in rows)
        {
            var aad = TenantDataAad.Record(tenantId, row.Collection, row.Id);
            var plaintext = await DecryptAsync(tenantId, row.Payload, aad, $"record {row.Collection}/{row.Id}", cancellationToken);
            byte[][] tokens;
            try
            {
                using var document = JsonDocument.Parse(plaintext);
                // The blind index follows the key: tokens of the new version, over the same fields and values.
                tokens = TenantCipher.IndexTokens(current, document.RootElement);
            }
            catch (JsonException exception)
            {
                throw new TenantDataReencryptionException(tenantId, $"record {row.Collection}/{row.Id}", exception);
            }
            updates.Add((row.Collection, row.Id, row.Version, row.KeyVersion, TenantCipher.Encrypt(current, plaintext, aad), tokens));
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var (reencrypted, skipped) = await ApplyAsync(source, updates, (update, connection, transaction) =>
        {
            var command = new NpgsqlCommand(
                $"""
                UPDATE {schema}.records SET payload = $1, key_version = $2, index_tokens = $3
                 WHERE collection = $4 AND id = $5 AND key_version = $6 AND version = $7
                """, connection, transaction);
            command.Parameters.Add(new() { Value = update.Payload });
            command.Parameters.Add(new() { Value = current.Version });
            command.Parameters.Add(new() { Value = update.Tokens, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bytea });
            command.Parameters.Add(new() { Value = update.Collection });
            command.Parameters.Add(new() { Value = update.Id });
            command.Parameters.Add(new() { Value = update.KeyVersion });
            command.Parameters.Add(new() { Value = update.Version });
            return command;
        }, cancellationToken);
        return new Step(rows.Count < limit ? null : new ReencryptionCursor(ReencryptionTable.Records, rows[^1].Collection, rows[^1].Id), reencrypted, skipped);
    }

    private async Task<Step> FileChunksAsync(NpgsqlDataSource source, string schema, TenantDataKey current, ReencryptionCursor cursor, int limit,
        CancellationToken cancellationToken)
    {
        var tenantId = current.TenantId;
        var rows = new List<(Guid UploadId, int ChunkNo, int KeyVersion, byte[] Data)>();
        await using (var select = source.CreateCommand(
            $"""
            SELECT upload_id, chunk_no, key_version, data FROM {schema}.file_chunks
             WHERE key_version < $1 {(cursor.AfterFirst is null ? "" : "AND (upload_id, chunk_no) > ($3, $4)")}
             ORDER BY upload_id, chunk_no LIMIT $2
            """))
        {
            select.Parameters.Add(new() { Value = current.Version });
            select.Parameters.Add(new() { Value = limit });
            if (cursor.AfterFirst is not null)
            {
                select.Parameters.Add(new() { Value = Guid.Parse(cursor.AfterFirst, CultureInfo.InvariantCulture) });
                select.Parameters.Add(new() { Value = int.Parse(cursor.AfterSecond ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture) });
            }
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetFieldValue<byte[]>(3)));
            }
        }

        var updates = new List<(Guid UploadId, int ChunkNo, int KeyVersion, byte[] Seen, byte[] Data)>(rows.Count);
        foreach (var row in rows)
        {
            var aad = TenantDataAad.FileChunk(tenantId, row.UploadId, row.ChunkNo);
            var plaintext = await DecryptAsync(tenantId, row.Data, aad,
                string.Create(CultureInfo.InvariantCulture, $"file chunk {row.UploadId:N}/{row.ChunkNo}"), cancellationToken);
            updates.Add((row.UploadId, row.ChunkNo, row.KeyVersion, row.Data, TenantCipher.Encrypt(current, plaintext, aad)));
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var (reencrypted, skipped) = await ApplyAsync(source, updates, (update, connection, transaction) =>
        {
            // Chunks carry no version: the bytes as read are the optimistic check.
            var command = new NpgsqlCommand(
                $"""
                UPDATE {schema}.file_chunks SET data = $1, key_version = $2
                 WHERE upload_id = $3 AND chunk_no = $4 AND key_version = $5 AND data = $6
                """, connection, transaction);
            command.Parameters.Add(new() { Value = update.Data });
            command.Parameters.Add(new() { Value = current.Version });
            command.Parameters.Add(new() { Value = update.UploadId });
            command.Parameters.Add(new() { Value = update.ChunkNo });
            command.Parameters.Add(new() { Value = update.KeyVersion });
            command.Parameters.Add(new() { Value = update.Seen });
            return command;
        }, cancellationToken);
        return new Step(rows.Count < limit ? null : new ReencryptionCursor(ReencryptionTable.FileChunks,
            rows[^1].UploadId.ToString("D"), rows[^1].ChunkNo.ToString(CultureInfo.InvariantCulture)), reencrypted, skipped);
    }

    private async Task<Step> FilesAsync(NpgsqlDataSource source, string schema, TenantDataKey current, ReencryptionCursor cursor, int limit,
        CancellationToken cancellationToken)
    {
        var tenantId = current.TenantId;
        var rows = (await PendingRowsAsync(source, schema, "files", "metadata", current, cursor, limit, cancellationToken))
            .Select(row => (row.Collection, row.Id, row.Version, row.KeyVersion, Metadata: row.Sealed)).ToList();

        var updates = new List<(string Collection, string Id, long Version, int KeyVersion, byte[]? Metadata)>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Metadata is null)
            {
                // Nothing encrypted in the row itself: it only moves to the current version.
                updates.Add((row.Collection, row.Id, row.Version, row.KeyVersion, null));
                continue;
            }
            var aad = TenantDataAad.FileMetadata(tenantId, row.Collection, row.Id);
            var plaintext = await DecryptAsync(tenantId, row.Metadata, aad, $"file metadata {row.Collection}/{row.Id}", cancellationToken);
            updates.Add((row.Collection, row.Id, row.Version, row.KeyVersion, TenantCipher.Encrypt(current, plaintext, aad)));
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var (reencrypted, skipped) = await ApplyAsync(source, updates, (update, connection, transaction) =>
        {
            var command = new NpgsqlCommand(
                $"""
                UPDATE {schema}.files SET metadata = $1, key_version = $2
                 WHERE collection = $3 AND id = $4 AND key_version = $5 AND version = $6
                """, connection, transaction);
            command.Parameters.Add(new() { Value = (object?)update.Metadata ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            command.Parameters.Add(new() { Value = current.Version });
            command.Parameters.Add(new() { Value = update.Collection });
            command.Parameters.Add(new() { Value = update.Id });
            command.Parameters.Add(new() { Value = update.KeyVersion });
            command.Parameters.Add(new() { Value = update.Version });
            return command;
        }, cancellationToken);
        return new Step(rows.Count < limit ? null : new ReencryptionCursor(ReencryptionTable.Files, rows[^1].Collection, rows[^1].Id), reencrypted, skipped);
    }

    private async Task<byte[]> DecryptAsync(string tenantId, byte[] ciphertext, byte[] aad, string place, CancellationToken cancellationToken)
    {
        try
        {
            // The version the ciphertext names, whatever the row's key_version column says.
            return await TenantCipher.DecryptAsync(keyring, tenantId, ciphertext, aad, cancellationToken);
        }
        catch (CryptographicException exception)
        {
            throw new TenantDataReencryptionException(tenantId, place, exception);
        }
        catch (TenantKeyUnavailableException exception) when (exception.Reason == TenantKeyUnavailableReason.Missing)
        {
            throw new TenantDataReencryptionException(tenantId, place, exception);
        }
    }

    /// <summary>Runs the conditional updates in one transaction; answers how many applied and how many found the row changed.</summary>
    private static async Task<(int Applied, int Skipped)> ApplyAsync<T>(NpgsqlDataSource source, IReadOnlyList<T> updates,
        Func<T, NpgsqlConnection, NpgsqlTransaction, NpgsqlCommand> commandOf, CancellationToken cancellationToken)
    {
        if (updates.Count == 0)
        {
            return (0, 0);
        }
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var applied = 0;
        foreach (var update in updates)
        {
            await using var command = commandOf(update, connection, transaction);
            applied += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (applied, updates.Count - applied);
    }

    private static async Task<bool> AnyPendingAsync(NpgsqlDataSource source, string schema, int version, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand(
            $"""
            SELECT EXISTS (SELECT 1 FROM {schema}.records WHERE key_version < $1)
                OR EXISTS (SELECT 1 FROM {schema}.file_chunks WHERE key_version < $1)
                OR EXISTS (SELECT 1 FROM {schema}.files WHERE key_version < $1)
            """);
        command.Parameters.Add(new() { Value = version });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [GeneratedRegex("^t_[a-z0-9_]{1,61}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();
}
