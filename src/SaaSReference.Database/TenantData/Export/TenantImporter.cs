using System.Text;
using Npgsql;
using SaaSReference.Database.TenantData.Records;

namespace SaaSReference.Database.TenantData.Export;

public enum TenantImportOutcome
{
    /// <summary>Everything in the archive is stored.</summary>
    Imported,
    /// <summary>The tenant has collections already (or got one while importing): nothing of the archive is stored.</summary>
    NotEmpty,
    /// <summary>Another import into the tenant is running: nothing was stored.</summary>
    Busy,
}

/// <summary>
/// What an import did. <see cref="StoredBytes"/> is what it stored (its records' JSON and its files). When it was rolled back,
/// <see cref="RemovedOtherBytes"/> is what the rollback also removed that others wrote into the new collections meanwhile.
/// </summary>
public sealed record TenantImportResult(TenantImportOutcome Outcome, int Collections, long Records, long Files, long StoredBytes, long RemovedOtherBytes);

/// <summary>
/// Stores a checked archive (<see cref="TenantArchiveValidator"/>) into a tenant without collections, through the same stores
/// as the APIs (encrypted with the tenant's current key, 10.1.2b; labelled, 8.1.1b): the collections with their
/// classification and description, every record with its id and its JSON text byte for byte, every file with its id,
/// content, content type and file name (8.1.5b). Versions start again at 1 and the times and actor are the import's
/// (docs/export-format.md). One import per tenant at a time (an advisory lock in the region database). If anything fails
/// part-way, everything written into the collections the import created is deleted again, and the collections too: a
/// failed import leaves the tenant as it was.
/// </summary>
public sealed class TenantImporter(TenantRegions regions, TenantCollectionStore collections, TenantRecordStore records, TenantFileStore files)
{
    public async Task<TenantImportResult> ImportAsync(TenantStorageLocation location, TenantImportArchive archive, string actor, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(archive);
        await using var lockConnection = await regions.DataSource(location.Region).OpenConnectionAsync(cancellationToken);
        if (!await LockAsync(lockConnection, "pg_try_advisory_lock", location.TenantId, cancellationToken))
        {
            return new TenantImportResult(TenantImportOutcome.Busy, 0, 0, 0, 0, 0);
        }
        try
        {
            if (await collections.CountAsync(location, cancellationToken) > 0)
            {
                return new TenantImportResult(TenantImportOutcome.NotEmpty, 0, 0, 0, 0, 0);
            }
            var created = new List<string>();
            long recordCount = 0, fileCount = 0, written = 0;
            try
            {
                foreach (var collection in archive.Collections)
                {
                    var (outcome, _) = await collections.CreateAsync(location, collection.Name, collection.Classification, collection.Description, actor, now,
                        cancellationToken);
                    if (outcome != CollectionCreateOutcome.Created)
                    {
                        throw new ImportConflictException();
                    }
                    created.Add(collection.Name);
                }
                foreach (var collection in archive.Collections)
                {
                    await foreach (var record in TenantArchiveValidator.ReadRecordsAsync(archive, collection, cancellationToken))
                    {
                        var json = record.Data.GetRawText();
                        var stored = await records.PutAsync(location, collection.Name, record.Id, json, actor, ifVersion: 0, now, cancellationToken);
                        if (stored.Outcome != RecordStoreOutcome.Created)
                        {
                            throw new ImportConflictException();
                        }
                        written += Encoding.UTF8.GetByteCount(json);
                        recordCount++;
                    }
                    await foreach (var file in TenantArchiveValidator.ReadFilesAsync(archive, collection, cancellationToken))
                    {
                        await using var content = await archive.OpenAsync(file.Path, cancellationToken);
                        long granted = 0;
                        // The caller reserved the archive's bytes against the quota before the import (12.1.3b).
                        ValueTask<bool> Grant(long bytes, CancellationToken token) => ValueTask.FromResult((granted += bytes) <= file.Size);
                        var stored = await files.UploadAsync(location, collection.Name, file.Id, new FileUpload(file.ContentType, file.FileName, actor, IfVersion: 0),
                            content, file.Size, Grant, now, cancellationToken);
                        if (stored.Outcome != FileStoreOutcome.Created)
                        {
                            throw new ImportConflictException();
                        }
                        written += stored.File!.SizeBytes;
                        await content.VerifyAsync(cancellationToken);
                        if (stored.File.Sha256 != file.Sha256 || stored.File.SizeBytes != file.Size)
                        {
                            throw new TenantArchiveInvalidException(TenantArchiveProblem.ChecksumMismatch,
                                $"File '{file.Path}' was stored with another size or SHA-256 than described.");
                        }
                        fileCount++;
                    }
                }
            }
            catch (Exception failure)
            {
                var removed = await RollbackAsync(location, created);
                var others = Math.Max(0, removed - written);
                if (failure is ImportConflictException)
                {
                    return new TenantImportResult(TenantImportOutcome.NotEmpty, 0, 0, 0, 0, others);
                }
                throw new TenantImportRolledBackException(failure, others);
            }
            return new TenantImportResult(TenantImportOutcome.Imported, created.Count, recordCount, fileCount, written, 0);
        }
        finally
        {
            await LockAsync(lockConnection, "pg_advisory_unlock", location.TenantId, CancellationToken.None);
        }
    }

    private static async Task<bool> LockAsync(NpgsqlConnection connection, string function, string tenantId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(hashtextextended('saasref-tenant-import:' || $1, 0))", connection);
        command.Parameters.Add(new() { Value = tenantId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Deletes every file, chunk and record in <paramref name="created"/> and the collections themselves, in one transaction;
    /// answers the bytes of records and files it deleted.
    /// </summary>
    private async Task<long> RollbackAsync(TenantStorageLocation location, List<string> created)
    {
        if (created.Count == 0)
        {
            return 0;
        }
        return await TenantSql.RunAsync(location, async () =>
        {
            await using var connection = await regions.DataSource(location.Region).OpenConnectionAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            long removed;
            await using (var data = new NpgsqlCommand(
                $"""
                WITH gone_files AS (DELETE FROM {TenantSql.Table(location, "files")} WHERE collection = ANY($1) RETURNING upload_id, size_bytes),
                     gone_chunks AS (DELETE FROM {TenantSql.Table(location, "file_chunks")} WHERE upload_id IN (SELECT upload_id FROM gone_files) RETURNING 1),
                     gone_records AS (DELETE FROM {TenantSql.Table(location, "records")} WHERE collection = ANY($1) RETURNING size_bytes)
                SELECT (coalesce((SELECT sum(size_bytes) FROM gone_files), 0) + coalesce((SELECT sum(size_bytes) FROM gone_records), 0))::bigint,
                       (SELECT count(*) FROM gone_chunks)
                """, connection, transaction))
            {
                data.Parameters.Add(new() { Value = created.ToArray() });
                removed = (long)(await data.ExecuteScalarAsync(CancellationToken.None))!;
            }
            await using (var names = new NpgsqlCommand($"DELETE FROM {TenantSql.Table(location, "collections")} WHERE name = ANY($1)", connection, transaction))
            {
                names.Parameters.Add(new() { Value = created.ToArray() });
                await names.ExecuteNonQueryAsync(CancellationToken.None);
            }
            await transaction.CommitAsync(CancellationToken.None);
            return removed;
        });
    }

    private sealed class ImportConflictException() : Exception("The tenant got data while the import was running.");
}

/// <summary>The import failed part-way and was rolled back completely: nothing of the archive is stored.</summary>
public sealed class TenantImportRolledBackException(Exception cause, long removedOtherBytes)
    : Exception("The import failed and was rolled back; nothing of the archive is stored.", cause)
{
    /// <summary>Bytes others had written into the import's new collections, removed with them.</summary>
    public long RemovedOtherBytes { get; } = removedOtherBytes;
}
