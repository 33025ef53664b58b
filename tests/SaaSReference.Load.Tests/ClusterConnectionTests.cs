using Npgsql;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Scenarios;

namespace SaaSReference.Load.Tests;

/// <summary>Where baseline's grain leg finds the cluster: --clustering, else the local stack's PostgreSQL (the AppHost's secrets).</summary>
public sealed class ClusterConnectionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "load-cluster-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Local_WithTheAppHostsSecrets_PlatformDatabaseOnItsPort()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".data", "postgres"));
        File.WriteAllText(Path.Combine(_root, ".data", "postgres", "postgres-secrets.json"), """{"SuperuserPassword":"su","AppPassword":"app-pw"}""");

        var connection = ClusterConnection.Local(_root, ClusterConnection.LocalClusterId, out var reason);

        Assert.Null(reason);
        var database = new NpgsqlConnectionStringBuilder(connection!.ConnectionString);
        Assert.Equal(("127.0.0.1", 55432, "saas_app", "app-pw", "saasreference"), (database.Host, database.Port, database.Username, database.Password, database.Database));
        Assert.Equal(("saasreference", "saasreference"), (connection.ClusterId, connection.ServiceId));
    }

    [Fact]
    public void Local_WithoutTheAppHostsSecrets_NullWithTheReason_NothingCreated()
    {
        var connection = ClusterConnection.Local(_root, ClusterConnection.LocalClusterId, out var reason);

        Assert.Null(connection);
        Assert.Contains("postgres-secrets.json does not exist", reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, ".data")));
    }

    [Fact]
    public void Clustering_GivenOrForATarget()
    {
        var given = BaselineScenario.Clustering(LoadOptions.Parse(["baseline", "--clustering", "Host=127.0.0.1;Database=x", "--cluster-id", "prod-a"]));
        var target = BaselineScenario.Clustering(LoadOptions.Parse(["baseline", "--target", "https://gateway.example"]));

        Assert.Equal(new ClusterConnection("Host=127.0.0.1;Database=x", "prod-a", "prod-a"), given.Connection);
        Assert.Null(target.Connection);
        Assert.Equal("no --clustering given for the --target deployment", target.Reason);
    }
}
