using SaaSReference.LocalInfrastructure;
using Xunit;

namespace SaaSReference.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster on a free loopback port for one test class (or collection): started
/// before the first test, stopped and deleted after the last. Each test that needs a clean slate asks
/// for a database of its own with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture has not started.");

    /// <summary>The application role's connection to the default database.</summary>
    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(new PostgresServerOptions
        {
            RootDirectory = Path.Combine(Path.GetTempPath(), $"saasref-test-pg-{Guid.NewGuid():N}"),
            Durable = false,
            DeleteOnStop = true,
        });
    }

    /// <summary>A fresh, empty database owned by the application role; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}".ToLowerInvariant();
        name = name[..Math.Min(name.Length, 63)];
        await Server.EnsureDatabaseAsync(name);
        return Server.ConnectionStringFor(name);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }
}
