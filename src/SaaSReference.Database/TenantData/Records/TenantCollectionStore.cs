using Npgsql;

namespace SaaSReference.Database.TenantData.Records;

/// <summary>A named, classified collection (dataset) of one tenant (8.2.1).</summary>
public sealed record TenantCollection(string Name, string TenantId, string Classification, string Description, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>How a collection create came out.</summary>
public enum CollectionCreateOutcome
{
    Created,
    /// <summary>It exists with the same classification and description: nothing changed (idempotent).</summary>
    Unchanged,
    /// <summary>It exists with another classification or description: nothing changed.</summary>
    Conflict,
}

/// <summary>How a collection delete came out.</summary>
public enum CollectionDeleteOutcome
{
    Deleted,
    NotFound,
    /// <summary>It still holds records or files: nothing was deleted.</summary>
    NotEmpty,
}

/// <summary>The collections of a tenant, in the <c>collections</c> table of its own schema.</summary>
public sealed class TenantCollectionStore(TenantRegions regions)
{
    public const int MaxCollections = 1000;

    public async Task<(CollectionCreateOutcome Outcome, TenantCollection Collection)> CreateAsync(TenantStorageLocation location, string name,
        string classification, string description, string actor, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return await TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"""
                INSERT INTO {TenantSql.Table(location, "collections")} (name, classification, description, created_at, created_by)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (name) DO NOTHING
                """);
            command.Parameters.Add(new() { Value = name });
            command.Parameters.Add(new() { Value = classification });
            command.Parameters.Add(new() { Value = description });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = actor });
            var inserted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
            var stored = await GetAsync(location, name, cancellationToken)
                ?? throw new InvalidOperationException($"Collection '{name}' was written but cannot be read back.");
            var outcome = inserted ? CollectionCreateOutcome.Created
                : stored.Classification == classification && stored.Description == description ? CollectionCreateOutcome.Unchanged
                : CollectionCreateOutcome.Conflict;
            return (outcome, stored);
        });
    }

    public Task<TenantCollection?> GetAsync(TenantStorageLocation location, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"SELECT name, tenant_id, classification, description, created_at, created_by FROM {TenantSql.Table(location, "collections")} WHERE name = $1");
            command.Parameters.Add(new() { Value = name });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        });
    }

    /// <summary>All the tenant's collections by name (at most <see cref="MaxCollections"/>).</summary>
    public Task<IReadOnlyList<TenantCollection>> ListAsync(TenantStorageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync<IReadOnlyList<TenantCollection>>(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"SELECT name, tenant_id, classification, description, created_at, created_by FROM {TenantSql.Table(location, "collections")} ORDER BY name LIMIT {MaxCollections}");
            var items = new List<TenantCollection>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader));
            }
            return items;
        });
    }

    public Task<int> CountAsync(TenantStorageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand($"SELECT count(*)::int FROM {TenantSql.Table(location, "collections")}");
            return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        });
    }

    /// <summary>Deletes an empty collection; one that holds records or files stays (the foreign keys refuse it).</summary>
    public Task<CollectionDeleteOutcome> DeleteAsync(TenantStorageLocation location, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return TenantSql.RunAsync(location, async () =>
        {
            await using var command = regions.DataSource(location.Region).CreateCommand(
                $"DELETE FROM {TenantSql.Table(location, "collections")} WHERE name = $1");
            command.Parameters.Add(new() { Value = name });
            try
            {
                return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? CollectionDeleteOutcome.Deleted : CollectionDeleteOutcome.NotFound;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                return CollectionDeleteOutcome.NotEmpty;
            }
        });
    }

    private static TenantCollection Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5));
}
