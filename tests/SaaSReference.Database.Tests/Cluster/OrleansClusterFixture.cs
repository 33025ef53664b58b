using Orleans.TestingHost;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Cluster;

/// <summary>
/// Two in-process silos and a client on the real Orleans ADO.NET providers, over a database migrated with
/// this project's own scripts. The test cluster's built-in membership is off, so the silos can only find
/// each other through PostgreSQL.
/// </summary>
public sealed class OrleansClusterFixture : IAsyncLifetime
{
    public const string ConnectionStringKey = "SaaSReferencePostgres";
    public const string Invariant = "Npgsql";
    public const string StorageName = "postgres";
    public const string DeletingStorageName = "postgres-delete-on-clear";

    private readonly MigratedDatabaseFixture _database = new();
    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public string ConnectionString => _database.ConnectionString;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConfigureFileLogging = false;
        builder.Properties[ConnectionStringKey] = _database.ConnectionString;
        builder.AddSiloBuilderConfigurator<PostgresSiloConfigurator>();
        builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        await _database.DisposeAsync();
    }
}
