using System.Data;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>One platform backup as catalogued in <c>platform.platform_backups</c>; <see cref="Location"/> is relative to its directory.</summary>
public sealed record PlatformBackup(
    Guid BackupId,
    TenantBackupStatus Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? CompletedAt,
    string Location,
    long? SizeBytes,
    string? Sha256,
    int? PlatformSchemaVersion,
    IReadOnlyDictionary<string, long> TableCounts,
    string? Failure);

/// <summary>Platform backups have no directory of their own (12.3.1a); nothing was written.</summary>
public sealed class PlatformBackupNotConfiguredException(string message) : InvalidOperationException(message);

/// <summary>A page of platform backups, newest first.</summary>
public sealed record PlatformBackupPage(IReadOnlyList<PlatformBackup> Items, Guid? NextAfter);

/// <summary>
/// Backups of the platform's configuration and operating catalogue (12.3.1a): configuration versions, tenants' plans,
/// overrides and limits, the tenant catalogue, where each tenant's storage lives, change requests, terminations and the
/// catalogue of tenant backups, and the audit trail with its checkpoints (12.4.2b), as one JSON document in <see cref="PlatformBackupOptions.Directory"/>, apart from tenant backups.
/// Never a tenant's entrusted data (it lives in the region databases, which this never reads) and never key material
/// (signing keys, data keys and the identity tables are not among the tables it reads).
/// </summary>
public sealed partial class PlatformBackupService(
    NpgsqlDataSource platform,
    IOptions<PlatformBackupOptions> options,
    IOptions<TenantStorageOptions> storage,
    TimeProvider time,
    ILogger<PlatformBackupService> logger)
{
    public const string Format = "saasref-platform-backup/1";
    public const int MaxPageSize = 200;

    /// <summary>The tables a platform backup holds, each in a fixed order: the allow-list, nothing else is ever read.</summary>
    public static IReadOnlyList<(string Table, string OrderBy)> Tables { get; } =
    [
        ("platform.configuration_versions", "version"),
        ("platform.tenant_catalog", "tenant_id"),
        ("platform.tenant_limits", "tenant_id"),
        ("platform.tenant_storage", "tenant_id"),
        ("platform.change_requests", "requested_at, id"),
        ("platform.tenant_terminations", "requested_at, termination_id"),
        ("platform.tenant_backups", "created_at, backup_id"),
        // 12.4.2b: the audit trail and its signed checkpoints go with every platform backup (hashes as hex, checkable
        // offline with docs/audit.md), so the log survives the loss of the database.
        ("platform.audit_events", "chain, seq"),
        ("platform.audit_checkpoints", "chain, seq"),
        // Deliberately absent: platform.tenant_keys and tenant_key_status (wrapped data keys), signing keys, identity tables.
    ];

    private const string Columns =
        "backup_id, status, created_at, created_by, completed_at, location, size_bytes, sha256, platform_schema_version, table_counts::text, failure";

    /// <summary>Takes a platform backup and catalogues it; answers the catalogued backup (completed).</summary>
    public async Task<PlatformBackup> CreateAsync(string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var problems = options.Value.Problems(storage.Value);
        if (problems.Count > 0)
        {
            throw new PlatformBackupNotConfiguredException("Platform backups are misconfigured: " + string.Join(" ", problems));
        }
        var now = time.GetUtcNow();
        var backupId = Guid.CreateVersion7(now);
        var relative = $"{backupId:N}.json";
        var path = Path.Combine(Path.GetFullPath(options.Value.Directory), relative);
        await InsertAsync(backupId, now, actor, relative, cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var (schemaVersion, counts) = await WriteAsync(path + ".partial", backupId, now, actor, cancellationToken);
            File.Move(path + ".partial", path, overwrite: false);
            var size = new FileInfo(path).Length;
            var sha256 = await TenantBackupService.Sha256Async(path, cancellationToken);
            await CompleteAsync(backupId, time.GetUtcNow(), size, sha256, schemaVersion, counts, cancellationToken);
            LogCreated(logger, backupId, size);
        }
        catch (Exception exception)
        {
            foreach (var leftover in new[] { path + ".partial", path })
            {
                try
                {
                    File.Delete(leftover);
                }
                catch (IOException)
                {
                }
            }
            var reason = exception switch
            {
                OperationCanceledException => "Cancelled before it was complete.",
                NpgsqlException => "The platform database could not be read.",
                UnauthorizedAccessException => "The platform backup directory refused the write (access denied).",
                IOException => "The platform backup directory could not be written.",
                _ => "The platform backup failed unexpectedly; see the silo's log.",
            };
            await FailAsync(backupId, reason, CancellationToken.None);
            LogFailed(logger, backupId, reason);
            if (exception is OperationCanceledException)
            {
                throw;
            }
            throw new TenantBackupFailedException(backupId, reason, exception);
        }
        return await GetAsync(backupId, CancellationToken.None) ?? throw new InvalidOperationException($"Platform backup {backupId} cannot be read back.");
    }

    public async Task<PlatformBackup?> GetAsync(Guid backupId, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand($"SELECT {Columns} FROM platform.platform_backups WHERE backup_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Keyset paging, newest first.</summary>
    public async Task<PlatformBackupPage> ListAsync(Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        await using var command = platform.CreateCommand(
            $"""
            SELECT {Columns} FROM platform.platform_backups b
             WHERE ($1::uuid IS NULL OR (b.created_at, b.backup_id) < (SELECT a.created_at, a.backup_id FROM platform.platform_backups a WHERE a.backup_id = $1))
             ORDER BY b.created_at DESC, b.backup_id DESC
             LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        var items = await ReadAsync(command, cancellationToken);
        if (items.Count <= limit)
        {
            return new PlatformBackupPage(items, null);
        }
        items.RemoveAt(limit);
        return new PlatformBackupPage(items, items[^1].BackupId);
    }

    /// <summary>When the newest completed platform backup was taken, or null.</summary>
    public async Task<DateTimeOffset?> LatestCompletedAsync(CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand("SELECT max(created_at) FROM platform.platform_backups WHERE status = 'completed'");
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : value as DateTimeOffset?;
    }

    /// <summary>One consistent snapshot of the allow-listed tables, streamed row by row into a JSON document.</summary>
    private async Task<(int SchemaVersion, Dictionary<string, long> Counts)> WriteAsync(string path, Guid backupId, DateTimeOffset createdAt, string actor,
        CancellationToken cancellationToken)
    {
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        }
        int schemaVersion;
        await using (var version = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM public.schema_migrations", connection))
        {
            schemaVersion = Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("backupId", backupId);
            json.WriteString("createdAt", createdAt);
            json.WriteString("createdBy", actor);
            json.WriteNumber("platformSchemaVersion", schemaVersion);
            json.WriteStartArray("tables");
            foreach (var (table, orderBy) in Tables)
            {
                json.WriteStartObject();
                json.WriteString("name", table);
                json.WriteStartArray("rows");
                long rows = 0;
                await using (var command = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM {table} t ORDER BY {orderBy}", connection))
                await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        json.WriteRawValue(reader.GetString(0), skipInputValidation: true);
                        rows++;
                        if (json.BytesPending > 64 * 1024)
                        {
                            await json.FlushAsync(cancellationToken);
                        }
                    }
                }
                json.WriteEndArray();
                json.WriteNumber("count", rows);
                json.WriteEndObject();
                counts[table] = rows;
            }
            json.WriteEndArray();
            json.WriteEndObject();
            await json.FlushAsync(cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }
        await transaction.CommitAsync(cancellationToken);
        return (schemaVersion, counts);
    }

    private async Task InsertAsync(Guid backupId, DateTimeOffset createdAt, string actor, string location, CancellationToken cancellationToken)
    {
        await using var command = platform.CreateCommand(
            "INSERT INTO platform.platform_backups (backup_id, status, created_at, created_by, location) VALUES ($1, 'creating', $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = actor });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = location });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task CompleteAsync(Guid backupId, DateTimeOffset completedAt, long size, string sha256, int schemaVersion, Dictionary<string, long> counts,
        CancellationToken cancellationToken)
    {
        await using var command = platform.CreateCommand(
            """
            UPDATE platform.platform_backups
               SET status = 'completed', completed_at = $2, size_bytes = $3, sha256 = $4, platform_schema_version = $5, table_counts = $6
             WHERE backup_id = $1 AND status = 'creating'
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = completedAt });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = size });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sha256 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = schemaVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(counts), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task FailAsync(Guid backupId, string failure, CancellationToken cancellationToken)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.platform_backups SET status = 'failed', failure = $2 WHERE backup_id = $1 AND status = 'creating'");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TenantBackupCatalog.Limit(failure) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<PlatformBackup>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var items = new List<PlatformBackup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new PlatformBackup(
                reader.GetGuid(0),
                TenantBackupCatalog.ParseStatus(reader.GetString(1)),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetInt32(8),
                JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(9)) ?? [],
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }
        return items;
    }

    [LoggerMessage(EventId = 9310, Level = LogLevel.Information, Message = "Platform backup {BackupId} taken ({SizeBytes} bytes).")]
    private static partial void LogCreated(ILogger logger, Guid backupId, long sizeBytes);

    [LoggerMessage(EventId = 9311, Level = LogLevel.Warning, Message = "Platform backup {BackupId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid backupId, string reason);
}
