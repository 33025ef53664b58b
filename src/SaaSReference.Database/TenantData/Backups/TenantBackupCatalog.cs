using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>Where a backup stands.</summary>
public enum TenantBackupStatus
{
    Creating,
    Completed,
    Failed,
}

/// <summary>
/// One tenant backup as catalogued in <c>platform.tenant_backups</c> (12.3.1b): metadata only, never a byte of the data.
/// <see cref="Location"/> is relative to the region's backup site, <see cref="CopyLocation"/> to the copy region's.
/// </summary>
public sealed record TenantBackup(
    Guid BackupId,
    string TenantId,
    string Region,
    TenantBackupStatus Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? CompletedAt,
    string Location,
    long? SizeBytes,
    string? Sha256,
    int? RegionSchemaVersion,
    int? KeyVersion,
    IReadOnlyDictionary<string, long> RowCounts,
    long? DataBytes,
    string? CopyRegion,
    string? CopyLocation,
    DateTimeOffset? CopiedAt,
    string? CopyError,
    string? Failure);

/// <summary>A catalogue search (12.3.1b): any of tenant, region and a time range of creation, newest first.</summary>
public sealed record TenantBackupQuery(string? TenantId, string? Region, DateTimeOffset? From, DateTimeOffset? To, Guid? After, int Limit);

/// <summary>A page of backups, newest first; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
public sealed record TenantBackupPage(IReadOnlyList<TenantBackup> Items, Guid? NextAfter);

/// <summary>The catalogue of tenant backups (<c>platform.tenant_backups</c>, platform database).</summary>
public sealed class TenantBackupCatalog(NpgsqlDataSource platform)
{
    /// <summary>A stored status (<c>creating</c>, <c>completed</c>, <c>failed</c>) of either catalogue.</summary>
    internal static TenantBackupStatus ParseStatus(string text) => text switch
    {
        "creating" => TenantBackupStatus.Creating,
        "completed" => TenantBackupStatus.Completed,
        _ => TenantBackupStatus.Failed,
    };

    public const int MaxPageSize = 200;

    private const string Columns =
        "backup_id, tenant_id, region, status, created_at, created_by, completed_at, location, size_bytes, sha256, region_schema_version, " +
        "key_version, row_counts::text, data_bytes, copy_region, copy_location, copied_at, copy_error, failure";

    /// <summary>Records a backup being taken (so that an interrupted one leaves a trace).</summary>
    public async Task InsertAsync(Guid backupId, string tenantId, string region, string location, DateTimeOffset createdAt, string createdBy,
        CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            """
            INSERT INTO platform.tenant_backups (backup_id, tenant_id, region, status, created_at, created_by, location)
            VALUES ($1, $2, $3, 'creating', $4, $5, $6)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = region });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = createdBy });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = location });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CompleteAsync(Guid backupId, DateTimeOffset completedAt, long sizeBytes, string sha256, int regionSchemaVersion, int keyVersion,
        IReadOnlyDictionary<string, long> rowCounts, long dataBytes, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            """
            UPDATE platform.tenant_backups
               SET status = 'completed', completed_at = $2, size_bytes = $3, sha256 = $4, region_schema_version = $5, key_version = $6,
                   row_counts = $7, data_bytes = $8
             WHERE backup_id = $1 AND status = 'creating'
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = completedAt });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sizeBytes });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sha256 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = regionSchemaVersion });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = keyVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(rowCounts), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = dataBytes });
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new InvalidOperationException($"Backup {backupId} is no longer being created; it cannot be completed.");
        }
    }

    /// <summary>Marks a backup that was being created failed, with a reason fit for operators (no secrets, no internals).</summary>
    public async Task FailAsync(Guid backupId, string failure, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.tenant_backups SET status = 'failed', failure = $2 WHERE backup_id = $1 AND status = 'creating'");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Limit(failure) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Marks failed the backups still <c>creating</c> since before <paramref name="before"/> (their process died); answers how many.</summary>
    public async Task<int> FailStaleAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.tenant_backups SET status = 'failed', failure = 'Interrupted: the backup was never completed.' WHERE status = 'creating' AND created_at < $1");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>18.1.3a: the copy at the paired region's site exists and its SHA-256 was verified there.</summary>
    public async Task RecordCopyAsync(Guid backupId, string copyRegion, string copyLocation, DateTimeOffset copiedAt, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.tenant_backups SET copy_region = $2, copy_location = $3, copied_at = $4, copy_error = NULL WHERE backup_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = copyRegion });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = copyLocation });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = copiedAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordCopyFailureAsync(Guid backupId, string copyRegion, string error, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.tenant_backups SET copy_region = $2, copy_error = $3 WHERE backup_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = copyRegion });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Limit(error) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<TenantBackup?> GetAsync(Guid backupId, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand($"SELECT {Columns} FROM platform.tenant_backups WHERE backup_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = backupId });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>12.3.1b: keyset paging, newest first, over the backups matching <paramref name="query"/>.</summary>
    public async Task<TenantBackupPage> SearchAsync(TenantBackupQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, MaxPageSize);
        await using var command = platform.CreateCommand(
            $"""
            SELECT {Columns} FROM platform.tenant_backups b
             WHERE ($1::text IS NULL OR b.tenant_id = $1)
               AND ($2::text IS NULL OR b.region = $2)
               AND ($3::timestamptz IS NULL OR b.created_at >= $3)
               AND ($4::timestamptz IS NULL OR b.created_at < $4)
               AND ($5::uuid IS NULL OR (b.created_at, b.backup_id) < (SELECT a.created_at, a.backup_id FROM platform.tenant_backups a WHERE a.backup_id = $5))
             ORDER BY b.created_at DESC, b.backup_id DESC
             LIMIT $6
            """);
        command.Parameters.Add(Nullable(query.TenantId, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(query.Region, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(query.From, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Nullable(query.To, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Nullable(query.After, NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
        var items = await ReadAsync(command, cancellationToken);
        if (items.Count <= query.Limit)
        {
            return new TenantBackupPage(items, null);
        }
        items.RemoveAt(query.Limit);
        return new TenantBackupPage(items, items[^1].BackupId);
    }

    /// <summary>
    /// Provisioned tenants after <paramref name="after"/> (in id order) with no backup completed, or being taken, since
    /// <paramref name="since"/>: the scheduler's work list.
    /// </summary>
    public async Task<IReadOnlyList<string>> DueTenantsAsync(DateTimeOffset since, string? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            """
            SELECT s.tenant_id FROM platform.tenant_storage s
             WHERE s.state = 'provisioned' AND ($3::text IS NULL OR s.tenant_id > $3)
               AND NOT EXISTS (SELECT 1 FROM platform.tenant_backups b
                                WHERE b.tenant_id = s.tenant_id AND b.status IN ('creating', 'completed') AND b.created_at >= $1)
             ORDER BY s.tenant_id
             LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(Nullable(after, NpgsqlDbType.Text));
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(reader.GetString(0));
        }
        return tenants;
    }

    internal static string Limit(string text) => text.Length <= 500 ? text : text[..499] + "…";

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static async Task<List<TenantBackup>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var items = new List<TenantBackup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new TenantBackup(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                TenantBackupCatalog.ParseStatus(reader.GetString(3)),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetInt64(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetInt32(11),
                JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(12)) ?? [],
                reader.IsDBNull(13) ? null : reader.GetInt64(13),
                reader.IsDBNull(14) ? null : reader.GetString(14),
                reader.IsDBNull(15) ? null : reader.GetString(15),
                reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16),
                reader.IsDBNull(17) ? null : reader.GetString(17),
                reader.IsDBNull(18) ? null : reader.GetString(18)));
        }
        return items;
    }
}
