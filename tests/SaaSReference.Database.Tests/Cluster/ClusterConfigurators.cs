using Microsoft.Extensions.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace SaaSReference.Database.Tests.Cluster;

/// <summary>Every silo of the test cluster keeps membership, grain state and reminders in PostgreSQL.</summary>
public sealed class PostgresSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        var connectionString = siloBuilder.Configuration[OrleansClusterFixture.ConnectionStringKey]
            ?? throw new InvalidOperationException("The test cluster has no PostgreSQL connection string.");
        siloBuilder
            .UseAdoNetClustering(options =>
            {
                options.Invariant = OrleansClusterFixture.Invariant;
                options.ConnectionString = connectionString;
            })
            .AddAdoNetGrainStorage(OrleansClusterFixture.StorageName, options =>
            {
                options.Invariant = OrleansClusterFixture.Invariant;
                options.ConnectionString = connectionString;
            })
            .AddAdoNetGrainStorage(OrleansClusterFixture.DeletingStorageName, options =>
            {
                options.Invariant = OrleansClusterFixture.Invariant;
                options.ConnectionString = connectionString;
                options.DeleteStateOnClear = true;
            })
            .UseAdoNetReminderService(options =>
            {
                options.Invariant = OrleansClusterFixture.Invariant;
                options.ConnectionString = connectionString;
            });
    }
}

/// <summary>The client finds its gateways through the same membership table.</summary>
public sealed class PostgresClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
    {
        var connectionString = configuration[OrleansClusterFixture.ConnectionStringKey]
            ?? throw new InvalidOperationException("The test cluster has no PostgreSQL connection string.");
        clientBuilder.UseAdoNetClustering(options =>
        {
            options.Invariant = OrleansClusterFixture.Invariant;
            options.ConnectionString = connectionString;
        });
    }
}
