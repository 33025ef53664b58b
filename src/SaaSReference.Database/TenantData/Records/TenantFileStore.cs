using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Records;

/// <summary>A stored file's description (decrypted metadata included): its labels (8.1.1b), size, type, checksum and version.</summary>
public sealed record StoredFile(
    string TenantId,
    string Collection,
    string Id,
    string Classification,
    string ContentType,
    long SizeBytes,
    string Sha256,
    string? FileName,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    Guid UploadId,
    int ChunkCount);

public enum FileStoreOutcome
{
    Created,
    Replaced,
    VersionMismatch,
    UnknownCollection,
}

public sealed record FileStoreResult(FileStoreOutcome Outcome, StoredFile? File);

/// <summary>A page of file descriptions in id order.</summary>
public sealed record FilePage(IReadOnlyList<StoredFile> Items, string? NextAfter);

/// <summary>What an upload is: the declared type, the uploader's file name, who, and the expected version (0: must not exist).</summary>
public sealed record FileUpload(string ContentType, string? FileName, string Actor, long? IfVersion);

/// <summary>The upload went over the size allowed for it; nothing was stored.</summary>
public sealed class FileTooLargeException(long limitBytes) : Exception($"The file is larger than {limitBytes} bytes.")
{
    public long LimitBytes { get; } = limitBytes;
}

/// <summary>
/// Asked for more storage as an upload grows: answers whether the tenant may store <c>bytes</c> more (12.1.3b). The
/// caller settles the difference after the upload.
/// </summary>
public delegate ValueTask<bool> StorageGrant(long bytes, CancellationToken cancellationToken);

/// <summary>The storage quota refused an upload part-way; nothing was stored.</summary>
public sealed class FileQuotaExceededException() : Exception("The tenant's storage quota does not allow this file.");

/// <summary>
/// A tenant's files, in its own schema (8.2.3a): content streamed in 64 KiB chunks, each encrypted with the tenant's data
/// key (10.1.2b) and bound to the tenant, the upload and its position; never buffered whole. A file becomes visible
/// (or replaces the previous content) in one transaction once every chunk is stored, so a failed or refused upload
/// leaves the previous content as it was.
/// </summary>
public sealed partial class TenantFileStore(TenantRegions regions, ITenantKeyring keyring)
{
    public const int ChunkSize = 64 * 1024;
    public const int MaxPageSize = 200;
    private const string Columns =
        "collection, id, classification, content_type, size_bytes, key_version, metadata, version, created_at, updated_at, updated_by, upload_id, chunk_count";

    /// <summary>File ids: 1 to 128 characters, lower-case letters, digits, '.', '-' and '_', starting with a letter or digit.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    public const string IdRule = "1 to 128 characters: lower-case letters, digits, '.', '-' and '_', starting with a letter or digit, without '..'.";

    /// <summary>
    /// Stores <paramref name="content"/> as the file, streaming: at most <paramref name="maxBytes"/> bytes, storage granted
    /// chunk by chunk by <paramref name="grant"/>. Throws <see cref="FileTooLargeException"/> or
    /// <see cref="FileQuotaExceededException"/> with nothing stored.
    /// </summary>
    public Task<FileStoreResult> UploadAsync(TenantStorageLocation location, string collection, string id, FileUpload upload, Stream content, long maxBytes,
        StorageGrant grant, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(grant);
        return TenantSql.RunAsync(location, async () =>
        {
            var source = regions.DataSource(location.Region);
            var classification = await ClassificationAsync(location, collection, cancellationToken);
            if (classification is null)
            {
                return new FileStoreResult(FileStoreOutcome.UnknownCollection, null);
            }
            var key = await keyring.GetCurrentAsync(location.TenantId, cancellationToken);
            var uploadId = Guid.NewGuid();
            var committed = false;
            try
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[ChunkSize];
                long total = 0;
                var chunks = 0;
                while (true)
                {
                    var filled = await FillAsync(content, buffer, cancellationToken);
                    if (filled == 0)
                    {
                        break;
                    }
                    total += filled;
                    if (total > maxBytes)
                    {
                        throw new FileTooLargeException(maxBytes);
                    }
                    if (!await grant(filled, cancellationToken))
                    {
                        throw new FileQuotaExceededException();
                    }
                    hash.AppendData(buffer, 0, filled);
                    var sealedChunk = TenantCipher.Encrypt(key, buffer.AsSpan(0, filled), TenantDataAad.FileChunk(location.TenantId, uploadId, chunks));
                    await using (var insert = source.CreateCommand(
                        $"INSERT INTO {TenantSql.Table(location, "file_chunks")} (upload_id, chunk_no, key_version, data) VALUES ($1, $2, $3, $4)"))
                    {
                        insert.Parameters.Add(new() { Value = uploadId });
                        insert.Parameters.Add(new() { Value = chunks });
                        insert.Parameters.Add(new() { Value = key.Version });
                        insert.Parameters.Add(new() { Value = sealedChunk });
                        await insert.ExecuteNonQueryAsync(cancellationToken);
                    }
                    chunks++;
                    if (filled < buffer.Length)
                    {
                        break;
                    }
                }
                var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
                var result = await CommitAsync(location, collection, id, upload, classification, key, uploadId, total, chunks, sha256, now, cancellationToken);
                committed = result.Outcome is FileStoreOutcome.Created or FileStoreOutcome.Replaced;
                return result;
            }
            finally
            {
                if (!committed)
                {
                    // Chunks of an upload that did not become the file are nobody's: remove them now.
                    await DeleteChunksAsync(location, uploadId, CancellationToken.None);
                }
            }
        });
    }

    private async Task<FileStoreResult> CommitAsync(TenantStorageLocation location, string collection, string id, FileUpload upload, string classification,
        TenantDataKey key, Guid uploadId, long size, int chunks, string sha256, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? current = null;
        Guid? previousUpload = null;
        var createdAt = now;
        await using (var lockRow = new NpgsqlCommand($"SELECT version, upload_id, created_at FROM {TenantSql.Table(location, "files")} WHERE collection = $1 AND id = $2 FOR UPDATE",
            connection, transaction))
        {
            lockRow.Parameters.Add(new() { Value = collection });
            lockRow.Parameters.Add(new() { Value = id });
            await using var reader = await lockRow.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                current = reader.GetInt64(0);
                previousUpload = reader.GetGuid(1);
                createdAt = reader.GetFieldValue<DateTimeOffset>(2);
            }
        }
        if (upload.IfVersion is { } expected && expected != (current ?? 0))
        {
            await transaction.RollbackAsync(cancellationToken);
            return new FileStoreResult(FileStoreOutcome.VersionMismatch, current is null ? null : await GetAsync(location, collection, id, cancellationToken));
        }
        var metadata = TenantCipher.Encrypt(key, JsonSerializer.SerializeToUtf8Bytes(new FileMetadata(sha256, upload.FileName)),
            TenantDataAad.FileMetadata(location.TenantId, collection, id));
        var version = (current ?? 0) + 1;
        await using (var write = new NpgsqlCommand(current is null
            ? $"""
               INSERT INTO {TenantSql.Table(location, "files")}
                   (collection, id, classification, upload_id, version, content_type, size_bytes, chunk_count, key_version, metadata, created_at, updated_at, updated_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
               ON CONFLICT (collection, id) DO NOTHING
               """
            : $"""
               UPDATE {TenantSql.Table(location, "files")}
                  SET classification = $3, upload_id = $4, version = $5, content_type = $6, size_bytes = $7, chunk_count = $8, key_version = $9,
                      metadata = $10, updated_at = $11, updated_by = $12
                WHERE collection = $1 AND id = $2
               """, connection, transaction))
        {
            write.Parameters.Add(new() { Value = collection });
            write.Parameters.Add(new() { Value = id });
            write.Parameters.Add(new() { Value = classification });
            write.Parameters.Add(new() { Value = uploadId });
            write.Parameters.Add(new() { Value = version });
            write.Parameters.Add(new() { Value = upload.ContentType });
            write.Parameters.Add(new() { Value = size });
            write.Parameters.Add(new() { Value = chunks });
            write.Parameters.Add(new() { Value = key.Version });
            write.Parameters.Add(new() { Value = metadata });
            write.Parameters.Add(new() { Value = now });
            write.Parameters.Add(new() { Value = upload.Actor });
            if (await write.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                return new FileStoreResult(FileStoreOutcome.VersionMismatch, await GetAsync(location, collection, id, cancellationToken));
            }
        }
        if (previousUpload is { } old)
        {
            await using var drop = new NpgsqlCommand($"DELETE FROM {TenantSql.Table(location, "file_chunks")} WHERE upload_id = $1", connection, transaction);
            drop.Parameters.Add(new() { Value = old });
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        var stored = new StoredFile(location.TenantId, collection, id, classification, upload.ContentType, size, sha256, upload.FileName, version, createdAt, now,
            upload.Actor, uploadId, chunks);
        return new FileStoreResult(current is null ? FileStoreOutcome.Created : FileStoreOutcome.Replaced, stored);
    }

    public Task<StoredFile?> GetAsync(TenantStorageLocation location, string collection, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"SELECT {Columns} FROM {TenantSql.Table(location, "files")} WHERE collection = $1 AND id = $2");
            command.Parameters.Add(new() { Value = collection });
            command.Parameters.Add(new() { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? await ReadAsync(location, reader, cancellationToken) : null;
        });
    }

    /// <summary>
    /// The decrypted content of the file as stored by <paramref name="file"/>'s upload, chunk by chunk (never whole in memory).
    /// Throws <see cref="InvalidDataException"/> if the stored chunks do not add up to the file (never silently short).
    /// </summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadContentAsync(TenantStorageLocation location, StoredFile file,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(file);
        var expected = 0;
        long bytes = 0;
        // One chunk per query keeps no connection busy while the caller writes each chunk to a slow client.
        while (expected < file.ChunkCount)
        {
            var chunk = await TenantSql.RunAsync(location, async () =>
            {
                await using var command = regions.DataSource(location.Region).CreateCommand(
                    $"SELECT data FROM {TenantSql.Table(location, "file_chunks")} WHERE upload_id = $1 AND chunk_no = $2");
                command.Parameters.Add(new() { Value = file.UploadId });
                command.Parameters.Add(new() { Value = expected });
                return await command.ExecuteScalarAsync(cancellationToken) as byte[];
            }) ?? throw new InvalidDataException($"Chunk {expected} of file '{file.Collection}/{file.Id}' is missing (the file was replaced or deleted while being read).");
            var plaintext = await TenantCipher.DecryptAsync(keyring, location.TenantId, chunk, TenantDataAad.FileChunk(location.TenantId, file.UploadId, expected),
                cancellationToken);
            bytes += plaintext.Length;
            expected++;
            yield return plaintext;
        }
        if (bytes != file.SizeBytes)
        {
            throw new InvalidDataException($"File '{file.Collection}/{file.Id}' has {bytes} stored bytes, not {file.SizeBytes}.");
        }
    }

    /// <summary>Deletes a file and its content in one transaction; with <paramref name="ifVersion"/>, only at that version.</summary>
    public Task<RecordDeleteOutcome> DeleteAsync(TenantStorageLocation location, string collection, string id, long? ifVersion,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"""
                WITH target AS (SELECT version FROM {TenantSql.Table(location, "files")} WHERE collection = $1 AND id = $2),
                     gone AS (DELETE FROM {TenantSql.Table(location, "files")} WHERE collection = $1 AND id = $2 AND ($3::bigint IS NULL OR version = $3)
                              RETURNING upload_id),
                     chunks AS (DELETE FROM {TenantSql.Table(location, "file_chunks")} WHERE upload_id IN (SELECT upload_id FROM gone) RETURNING 1)
                SELECT (SELECT count(*) FROM target)::int, (SELECT count(*) FROM gone)::int, (SELECT count(*) FROM chunks)::int
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

    public Task<FilePage> ListAsync(TenantStorageLocation location, string collection, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"""
                SELECT {Columns} FROM {TenantSql.Table(location, "files")}
                 WHERE collection = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3
                """);
            command.Parameters.Add(new() { Value = collection });
            command.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = limit + 1 });
            var items = new List<StoredFile>(limit + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(await ReadAsync(location, reader, cancellationToken));
            }
            if (items.Count <= limit)
            {
                return new FilePage(items, null);
            }
            items.RemoveAt(limit);
            return new FilePage(items, items[^1].Id);
        });
    }

    /// <summary>The bytes the file takes (0 when there is none), for the storage count.</summary>
    public Task<long> SizeAsync(TenantStorageLocation location, string collection, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"SELECT size_bytes FROM {TenantSql.Table(location, "files")} WHERE collection = $1 AND id = $2");
            command.Parameters.Add(new() { Value = collection });
            command.Parameters.Add(new() { Value = id });
            return await command.ExecuteScalarAsync(cancellationToken) is long size ? size : 0L;
        });
    }

    private async Task<string?> ClassificationAsync(TenantStorageLocation location, string collection, CancellationToken cancellationToken)
    {
        await using var command = regions.DataSource(location.Region).CreateCommand($"SELECT classification FROM {TenantSql.Table(location, "collections")} WHERE name = $1");
        command.Parameters.Add(new() { Value = collection });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task DeleteChunksAsync(TenantStorageLocation location, Guid uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = regions.DataSource(location.Region).CreateCommand($"DELETE FROM {TenantSql.Table(location, "file_chunks")} WHERE upload_id = $1");
            command.Parameters.Add(new() { Value = uploadId });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException)
        {
            // The database is unreachable: the orphaned chunks are referenced by no file and are never read.
        }
    }

    private async Task<StoredFile> ReadAsync(TenantStorageLocation location, NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var collection = reader.GetString(0);
        var id = reader.GetString(1);
        var sealedMetadata = reader.GetFieldValue<byte[]>(6);
        var plain = await TenantCipher.DecryptAsync(keyring, location.TenantId, sealedMetadata, TenantDataAad.FileMetadata(location.TenantId, collection, id),
            cancellationToken);
        var metadata = JsonSerializer.Deserialize<FileMetadata>(plain) ?? throw new InvalidDataException($"File '{collection}/{id}' has no metadata.");
        return new StoredFile(location.TenantId, collection, id, reader.GetString(2), reader.GetString(3), reader.GetInt64(4), metadata.Sha256, metadata.FileName,
            reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9), reader.GetString(10), reader.GetGuid(11),
            reader.GetInt32(12));
    }

    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return filled;
    }

    private sealed record FileMetadata(string Sha256, string? FileName);

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
