using Npgsql;

namespace SaaSReference.Database;

/// <summary>One row of the platform's tenant catalog (platform.tenant_catalog).</summary>
public sealed record TenantCatalogEntry(
    string TenantId,
    string DisplayName,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    string? Region = null);

/// <summary>A page of the catalog in tenant-id order; <see cref="NextAfter"/> is the cursor for the next page, or null.</summary>
public sealed record TenantCatalogPage(IReadOnlyList<TenantCatalogEntry> Items, string? NextAfter);

/// <summary>
/// The platform's searchable index of tenants, kept in the platform's own schema apart from all tenant data
/// (8.1.1a). Written by the tenant grain after it has persisted its state; read for listing.
/// </summary>
public sealed class TenantCatalogStore(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 500;

    /// <summary>Inserts or refreshes an entry; safe to repeat.</summary>
    public async Task UpsertAsync(TenantCatalogEntry entry, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO platform.tenant_catalog (tenant_id, display_name, status, created_at, created_by, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (tenant_id) DO UPDATE
               SET display_name = EXCLUDED.display_name, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
            """);
        command.Parameters.Add(new() { Value = entry.TenantId });
        command.Parameters.Add(new() { Value = entry.DisplayName });
        command.Parameters.Add(new() { Value = entry.Status });
        command.Parameters.Add(new() { Value = entry.CreatedAt });
        command.Parameters.Add(new() { Value = entry.CreatedBy });
        command.Parameters.Add(new() { Value = entry.UpdatedAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Keyset paging: tenants with an id after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    public async Task<TenantCatalogPage> ListAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        await using var command = dataSource.CreateCommand(
            """
            SELECT c.tenant_id, c.display_name, c.status, c.created_at, c.created_by, c.updated_at, s.region
              FROM platform.tenant_catalog c
              LEFT JOIN platform.tenant_storage s ON s.tenant_id = c.tenant_id
             WHERE $1::text IS NULL OR c.tenant_id > $1
             ORDER BY c.tenant_id
             LIMIT $2
            """);
        command.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit + 1 });
        var items = new List<TenantCatalogEntry>(limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new TenantCatalogEntry(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        if (items.Count <= limit)
        {
            return new TenantCatalogPage(items, null);
        }
        items.RemoveAt(limit);
        return new TenantCatalogPage(items, items[^1].TenantId);
    }
}
