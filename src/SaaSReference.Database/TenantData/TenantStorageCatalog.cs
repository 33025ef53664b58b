using Npgsql;

namespace SaaSReference.Database.TenantData;

/// <summary>Where a tenant's storage stands.</summary>
public enum TenantStorageState
{
    Provisioning,
    Provisioned,
    Terminated,
}

/// <summary>Where one tenant's entrusted data lives: its region and its schema in that region's database.</summary>
public sealed record TenantStorageLocation(
    string TenantId,
    string Region,
    string SchemaName,
    TenantStorageState State,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ProvisionedAt,
    DateTimeOffset? TerminatedAt);

/// <summary>
/// The platform's record of each tenant's storage (<c>platform.tenant_storage</c>, in the platform database): the region
/// chosen at creation is kept here for good (16.1.7e).
/// </summary>
public sealed class TenantStorageCatalog(NpgsqlDataSource platform)
{
    private const string Columns = "tenant_id, region, schema_name, state, requested_at, provisioned_at, terminated_at";

    public async Task<TenantStorageLocation?> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand($"SELECT {Columns} FROM platform.tenant_storage WHERE tenant_id = $1");
        command.Parameters.Add(new() { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Records the request to store the tenant in <paramref name="region"/>, unless a request is already recorded; answers
    /// the recorded location either way (whose region may differ from the one asked).
    /// </summary>
    public async Task<TenantStorageLocation> RequestAsync(string tenantId, string region, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            $"""
            INSERT INTO platform.tenant_storage (tenant_id, region, schema_name, state, requested_at)
            VALUES ($1, $2, $3, 'provisioning', $4)
            ON CONFLICT (tenant_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = region });
        command.Parameters.Add(new() { Value = TenantSchemas.NameOf(tenantId) });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return await GetAsync(tenantId, cancellationToken)
            ?? throw new InvalidOperationException($"The storage of tenant '{tenantId}' was recorded but cannot be read back.");
    }

    public async Task MarkProvisionedAsync(string tenantId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.tenant_storage SET state = 'provisioned', provisioned_at = coalesce(provisioned_at, $2) WHERE tenant_id = $1 AND state = 'provisioning'");
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task MarkTerminatedAsync(string tenantId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            "UPDATE platform.tenant_storage SET state = 'terminated', terminated_at = coalesce(terminated_at, $2) WHERE tenant_id = $1");
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The tenants stored in <paramref name="region"/>, in id order after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<TenantStorageLocation>> ListAsync(string? region, string? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            $"""
            SELECT {Columns} FROM platform.tenant_storage
             WHERE ($1::text IS NULL OR region = $1) AND ($2::text IS NULL OR tenant_id > $2)
             ORDER BY tenant_id LIMIT $3
            """);
        command.Parameters.Add(new() { Value = (object?)region ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        var items = new List<TenantStorageLocation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }
        return items;
    }

    private static TenantStorageLocation Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2),
        reader.GetString(3) switch
        {
            "provisioning" => TenantStorageState.Provisioning,
            "provisioned" => TenantStorageState.Provisioned,
            _ => TenantStorageState.Terminated,
        },
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
}
