using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Load.Cli;

/// <summary>
/// The PostgreSQL of a scenario that starts its own stack: a cluster on a free loopback port in a temporary folder
/// (<see cref="DirectoryPrefix"/>), without fsync, with the platform database and the two region databases; the
/// settings (key store, backup sites, checkpoint log) point into the same folder. Stopped and deleted when disposed.
/// </summary>
public sealed class ThrowawayDatabase : IAsyncDisposable
{
    public const string DirectoryPrefix = "saasref-load-pg-";

    private ThrowawayDatabase(PostgresServer server, Dictionary<string, string> settings)
    {
        Server = server;
        Settings = settings;
    }

    public PostgresServer Server { get; }

    /// <summary>The silo's storage settings (configuration keys with ':'), to add to as the scenario needs.</summary>
    public Dictionary<string, string> Settings { get; }

    /// <param name="name">Prefix of the region databases' names.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<ThrowawayDatabase> StartAsync(string name, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"{DirectoryPrefix}{Guid.NewGuid():N}");
        var server = await PostgresServer.StartAsync(
            new PostgresServerOptions { RootDirectory = root, Durable = false, DeleteOnStop = true }, cancellationToken);
        try
        {
            return new ThrowawayDatabase(server, await LocalRegions.EnsureAsync(server, name, Path.Combine(root, "data"), cancellationToken));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
