using Npgsql;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Keys;

/// <summary>A clock that stands still at a chosen instant, for rollover tests.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

internal static class KeyStoreTestSupport
{
    /// <summary>A fresh database of its own, migrated to the latest schema.</summary>
    public static async Task<string> MigratedDatabaseAsync(this PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateDatabaseAsync("keys");
        await SchemaMigrator.MigrateAsync(connectionString);
        return connectionString;
    }

    public static async Task<List<(string Kid, string Use)>> RowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT kid, use FROM identity.credential_keys ORDER BY created_at", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }
}
