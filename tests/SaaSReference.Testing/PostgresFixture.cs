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
    private readonly List<string> _dataDirectories = [];

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

    /// <summary>
    /// Two fresh region databases (jp-east, jp-west) with backup sites and a key store in a throwaway directory; answers
    /// the silo settings (configuration keys with ':', see <see cref="LocalRegions.AsEnvironment"/>).
    /// </summary>
    public async Task<Dictionary<string, string>> CreateRegionSettingsAsync(string prefix = "r")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}".ToLowerInvariant();
        name = name[..Math.Min(name.Length, 40)];
        var root = Path.Combine(Path.GetTempPath(), "saasref-test-data-" + Guid.NewGuid().ToString("N"));
        _dataDirectories.Add(root);
        var settings = await LocalRegions.EnsureAsync(Server, name, root);
        // Tests take the backups they look at themselves; a daily pass starting with the silo would race them.
        settings["TenantBackups:ScheduleEnabled"] = "false";
        return settings;
    }

    public async Task DisposeAsync()
    {
        foreach (var directory in _dataDirectories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }
}
