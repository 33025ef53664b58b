using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Load.Engine;

namespace SaaSReference.Load.Cli;

/// <summary>Where an Orleans cluster's membership lives: the clustering database and the cluster's ids.</summary>
public sealed record ClusterConnection(string ConnectionString, string ClusterId, string ServiceId)
{
    /// <summary>The cluster and service id of the local stack's silos (src/SaaSReference.Silo/appsettings.json; the AppHost keeps them).</summary>
    public const string LocalClusterId = "saasreference";

    /// <summary>The local stack's clustering database: its platform database (<see cref="LocalDatabase.Find"/>).</summary>
    public static ClusterConnection? Local(string repositoryRoot, string clusterId, out string? reason) =>
        LocalDatabase.Find(repositoryRoot, "--clustering", out reason) is { } connectionString
            ? new ClusterConnection(connectionString, clusterId, clusterId)
            : null;
}

/// <summary>
/// An Orleans cluster client (Microsoft.Orleans.Client) connected to a running cluster through ADO.NET clustering, for the
/// scenarios that call grains without the HTTP API (baseline's third leg, audit-overhead). Its calls carry no actor in the
/// request context: the audit trail records them with the actor <c>system</c>.
/// </summary>
public sealed class OrleansClusterClient : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansClusterClient(IHost host, IReadOnlyList<string> gateways)
    {
        _host = host;
        Gateways = gateways;
    }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silo gateways (address:port) the membership table listed when the client connected.</summary>
    public IReadOnlyList<string> Gateways { get; }

    /// <summary>
    /// Connects, bounded by <paramref name="timeout"/>. Traffic stays where the runner may send it: the clustering database's
    /// host and every gateway the membership table lists must pass <paramref name="guard"/> (loopback, or a host given
    /// explicitly), checked before the client opens any connection to a silo.
    /// </summary>
    public static async Task<OrleansClusterClient> ConnectAsync(ClusterConnection connection, TargetGuard guard, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(guard);
        NpgsqlConnectionStringBuilder database;
        try
        {
            database = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"The clustering connection string is not valid: {e.Message}", e);
        }
        foreach (var server in (database.Host ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // A path is a Unix-domain socket of this machine; "host:port" names a port of its own.
            var colon = server.LastIndexOf(':');
            var allowed = server.StartsWith('/') || guard.AllowsHost(server) || (colon > 0 && guard.AllowsHost(server[..colon]));
            if (!allowed)
            {
                throw new TargetRefusedException($"the clustering database's host {server} is neither a loopback address nor a host given with --target");
            }
        }
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        List<(string Address, int Port)> gateways;
        try
        {
            gateways = await GatewaysAsync(connection, bounded.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the clustering database did not answer within {timeout.TotalSeconds:0} s", e);
        }
        if (gateways.Count == 0)
        {
            throw new InvalidOperationException($"no active silo of cluster '{connection.ClusterId}' is listed in the clustering database");
        }
        foreach (var (address, _) in gateways)
        {
            if (!guard.AllowsHost(address))
            {
                throw new TargetRefusedException($"the cluster's silo gateway {address} is neither a loopback address nor a host given with --target");
            }
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The runner prints its own progress; the client's log lines would break the live table.
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = connection.ClusterId;
                options.ServiceId = connection.ServiceId;
            });
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connection.ConnectionString;
            });
            client.Configure<ClientMessagingOptions>(options => options.ResponseTimeout = TimeSpan.FromSeconds(10));
            // The grain interfaces and their serializers, also when the entry assembly is a test host.
            client.Services.AddSerializer(serializer => serializer.AddAssembly(typeof(ITenantGrain).Assembly));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(bounded.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new InvalidOperationException($"the Orleans client could not connect to cluster '{connection.ClusterId}': {e.GetType().Name}: {e.Message}", e);
        }
        return new OrleansClusterClient(host, [.. gateways.Select(g => $"{g.Address}:{g.Port.ToString(CultureInfo.InvariantCulture)}")]);
    }

    /// <summary>Active silos' gateway endpoints of the cluster, as the membership table (infra/postgres/0001_orleans_clustering.sql) lists them.</summary>
    private static async Task<List<(string Address, int Port)>> GatewaysAsync(ClusterConnection connection, CancellationToken cancellationToken)
    {
        var gateways = new List<(string, int)>();
        try
        {
            await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
            // status 3: SiloStatus.Active.
            await using var command = source.CreateCommand(
                "SELECT address, proxy_port FROM public.orleans_membership WHERE cluster_id = $1 AND status = 3 AND proxy_port > 0");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = connection.ClusterId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                gateways.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"the clustering database cannot be read: {e.Message}", e);
        }
        return gateways;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Bounded: a client that cannot say goodbye to a stopped silo is simply dropped.
        }
        finally
        {
            _host.Dispose();
        }
    }
}
