using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Infrastructure;

/// <summary>A throwaway PostgreSQL server with one database migrated to the latest schema, shared by a test class.</summary>
public sealed class MigratedDatabaseFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The database fixture has not started.");

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _connectionString = await _postgres.CreateDatabaseAsync("orleans");
        await SchemaMigrator.MigrateAsync(_connectionString);
    }

    public Task DisposeAsync() => _postgres.DisposeAsync();
}
