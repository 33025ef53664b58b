using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Records;

/// <summary>A record as stored, decrypted: its labels (tenant, classification, 8.1.1b), its JSON and its version (the ETag).</summary>
public sealed record StoredRecord(
    string TenantId,
    string Collection,
    string Id,
    string Classification,
    string Json,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string UpdatedBy)
{
    /// <summary>The size counted against the storage quota: the JSON's UTF-8 bytes.</summary>
    public long SizeBytes => Encoding.UTF8.GetByteCount(Json);
}

public enum RecordStoreOutcome
{
    Created,
    Replaced,
    /// <summary>The stored version was not the expected one: nothing was written.</summary>
    VersionMismatch,
    /// <summary>The collection does not exist: nothing was written.</summary>
    UnknownCollection,
}

public sealed record RecordStoreResult(RecordStoreOutcome Outcome, StoredRecord? Record);

public enum RecordDeleteOutcome
{
    Deleted,
    NotFound,
    VersionMismatch,
}

/// <summary>A page of records in id order; <see cref="NextAfter"/> is the cursor of the next page, or null at the end.</summary>
public sealed record RecordPage(IReadOnlyList<StoredRecord> Items, string? NextAfter);

/// <summary>An equality filter on one top-level field of the records' JSON.</summary>
public sealed record RecordFilter(string Field, string Value);

/// <summary>
/// A tenant's JSON records in the <c>records</c> table of its own schema (8.2.3a), encrypted with its data key
/// (10.1.2b): the payload is AES-256-GCM ciphertext bound to tenant, collection and id, and the one-field filter runs on
/// a blind index (keyed hashes of the top-level scalar fields), so the database never holds a value in clear.
/// </summary>
public sealed class TenantRecordStore(TenantRegions regions, ITenantKeyring keyring)
{
    public const int MaxPageSize = 200;
    private const string Columns = "collection, id, classification, payload, version, created_at, updated_at, updated_by";

    public Task<StoredRecord?> GetAsync(TenantStorageLocation location, string collection, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"SELECT {Columns} FROM {TenantSql.Table(location, "records")} WHERE collection = $1 AND id = $2");
            command.Parameters.Add(new() { Value = collection });
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? await DecryptAsync(location, reader, cancellationToken) : null;
        });
    }

    /// <summary>The counted size of a record (0 when there is none), without decrypting it.</summary>
    public Task<long> SizeAsync(TenantStorageLocation location, string collection, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"SELECT size_bytes FROM {TenantSql.Table(location, "records")} WHERE collection = $1 AND id = $2");
            command.Parameters.Add(new() { Value = collection });
            command.Parameters.Add(new() { Value = id });
            return await command.ExecuteScalarAsync(cancellationToken) is int size ? (long)size : 0L;
        });
    }

    /// <summary>
    /// Creates or replaces a record. With <paramref name="ifVersion"/>: 0 only if there is none, n only if it is at version n.
    /// One transaction: the row is locked, checked, encrypted with the current key version and written.
    /// </summary>
    public Task<RecordStoreResult> PutAsync(TenantStorageLocation location, string collection, string id, string json, string actor, long? ifVersion,
        DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            using var document = JsonDocument.Parse(json);
            var key = await keyring.GetCurrentAsync(location.TenantId, cancellationToken);
            await using var connection = await regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            string classification;
            await using (var collectionQuery = new NpgsqlCommand($"SELECT classification FROM {TenantSql.Table(location, "collections")} WHERE name = $1 FOR SHARE", connection, transaction))
            {
                collectionQuery.Parameters.Add(new() { Value = collection });
                if (await collectionQuery.ExecuteScalarAsync(cancellationToken) is not string found)
                {
                    return new RecordStoreResult(RecordStoreOutcome.UnknownCollection, null);
                }
                classification = found;
            }

            long? current = null;
            DateTimeOffset createdAt = now;
            await using (var lockRow = new NpgsqlCommand($"SELECT version, created_at FROM {TenantSql.Table(location, "records")} WHERE collection = $1 AND id = $2 FOR UPDATE", connection, transaction))
            {
                lockRow.Parameters.Add(new() { Value = collection });
                lockRow.Parameters.Add(new() { Value = id });
                await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    current = reader.GetInt64(0);
                    createdAt = reader.GetFieldValue<DateTimeOffset>(1);
                }
            }
            if (ifVersion is { } expected && expected != (current ?? 0))
            {
                await transaction.RollbackAsync(cancellationToken);
                return new RecordStoreResult(RecordStoreOutcome.VersionMismatch, current is null ? null : await GetAsync(location, collection, id, cancellationToken));
            }

            var plaintext = Encoding.UTF8.GetBytes(json);
            var payload = TenantCipher.Encrypt(key, plaintext, TenantDataAad.Record(location.TenantId, collection, id));
            var tokens = TenantCipher.IndexTokens(key, document.RootElement);
            var version = (current ?? 0) + 1;
            // A row created by someone else since the lock (there was none to lock) makes the insert do nothing: a conflict.
            await using (var write = new NpgsqlCommand(current is null
                ? $"""
                   INSERT INTO {TenantSql.Table(location, "records")}
                       (collection, id, classification, version, key_version, payload, index_tokens, size_bytes, created_at, updated_at, updated_by)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
                   ON CONFLICT (collection, id) DO NOTHING
                   """
                : $"""
                   UPDATE {TenantSql.Table(location, "records")}
                      SET classification = $3, version = $4, key_version = $5, payload = $6, index_tokens = $7, size_bytes = $8,
                          updated_at = $9, updated_by = $10
                    WHERE collection = $1 AND id = $2
                   """, connection, transaction))
            {
                write.Parameters.Add(new() { Value = collection });
                write.Parameters.Add(new() { Value = id });
                write.Parameters.Add(new() { Value = classification });
                write.Parameters.Add(new() { Value = version });
                write.Parameters.Add(new() { Value = key.Version });
                write.Parameters.Add(new() { Value = payload });
                write.Parameters.Add(new() { Value = tokens, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                write.Parameters.Add(new() { Value = plaintext.Length });
                write.Parameters.Add(new() { Value = now });
                write.Parameters.Add(new() { Value = actor });
                if (await write.ExecuteNonQueryAsync(cancellationToken) != 1)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return new RecordStoreResult(RecordStoreOutcome.VersionMismatch, await GetAsync(location, collection, id, cancellationToken));
                }
            }
            await transaction.CommitAsync(cancellationToken);
            var stored = new StoredRecord(location.TenantId, collection, id, classification, json, version, createdAt, now, actor);
            return new RecordStoreResult(current is null ? RecordStoreOutcome.Created : RecordStoreOutcome.Replaced, stored);
        });
    }

    /// <summary>Deletes a record; with <paramref name="ifVersion"/>, only at that version.</summary>
    public Task<RecordDeleteOutcome> DeleteAsync(TenantStorageLocation location, string collection, string id, long? ifVersion,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"""
                WITH target AS (SELECT version FROM {TenantSql.Table(location, "records")} WHERE collection = $1 AND id = $2),
                     gone AS (DELETE FROM {TenantSql.Table(location, "records")} WHERE collection = $1 AND id = $2 AND ($3::bigint IS NULL OR version = $3) RETURNING 1)
                SELECT (SELECT count(*) FROM target)::int, (SELECT count(*) FROM gone)::int
                """);
            command.Parameters.Add(new() { Value = collection });
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = (object?)ifVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return reader.GetInt32(1) == 1 ? RecordDeleteOutcome.Deleted
                : reader.GetInt32(0) == 0 ? RecordDeleteOutcome.NotFound
                : RecordDeleteOutcome.VersionMismatch;
        });
    }

    /// <summary>
    /// A page of a collection's records in id order after <paramref name="after"/>, optionally only those whose top-level
    /// field equals a value (found through the blind index, then checked on the decrypted record).
    /// </summary>
    public Task<RecordPage> ListAsync(TenantStorageLocation location, string collection, string? after, int limit, RecordFilter? filter,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        return TenantSql.RunAsync(location, async () =>
        {
            byte[][]? tokens = null;
            if (filter is not null)
            {
                // Rows not yet re-encrypted after a rotation carry tokens of their older key version: look for every one.
                var keys = await keyring.GetReadableAsync(location.TenantId, cancellationToken);
                tokens = [.. keys.Select(key => TenantCipher.IndexToken(key, filter.Field, filter.Value))];
            }
            var items = new List<StoredRecord>(limit);
            var cursor = after;
            // The index can (with negligible probability) return a false match, dropped after decryption: keep reading
            // until the page is full or the collection ends.
            while (true)
            {
                var want = limit + 1 - items.Count;
                await using var command = regions.DataSource(location.Region).CreateCommand(
                    $"""
                    SELECT {Columns} FROM {TenantSql.Table(location, "records")}
                     WHERE collection = $1 AND ($2::text IS NULL OR id > $2) AND ($3::bytea[] IS NULL OR index_tokens && $3)
                     ORDER BY id LIMIT $4
                    """);
                command.Parameters.Add(new() { Value = collection });
                command.Parameters.Add(new() { Value = (object?)cursor ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new() { Value = (object?)tokens ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                command.Parameters.Add(new() { Value = want });
                var read = 0;
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        read++;
                        var record = await DecryptAsync(location, reader, cancellationToken);
                        cursor = record.Id;
                        if (filter is null || Matches(record, filter))
                        {
                            items.Add(record);
                        }
                    }
                }
                if (items.Count > limit)
                {
                    items.RemoveAt(limit);
                    return new RecordPage(items, items[^1].Id);
                }
                if (read < want)
                {
                    return new RecordPage(items, null);
                }
            }
        });
    }

    /// <summary>Whether the record's top-level field has the value (by the same text the index uses).</summary>
    public static bool Matches(StoredRecord record, RecordFilter filter)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(filter);
        using var document = JsonDocument.Parse(record.Json);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty(filter.Field, out var value)
            && TenantCipher.IndexedText(value) == filter.Value;
    }

    private async Task<StoredRecord> DecryptAsync(TenantStorageLocation location, NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var collection = reader.GetString(0);
        var id = reader.GetString(1);
        var payload = reader.GetFieldValue<byte[]>(3);
        var plaintext = await TenantCipher.DecryptAsync(keyring, location.TenantId, payload, TenantDataAad.Record(location.TenantId, collection, id), cancellationToken);
        return new StoredRecord(location.TenantId, collection, id, reader.GetString(2), Encoding.UTF8.GetString(plaintext), reader.GetInt64(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7));
    }
}
