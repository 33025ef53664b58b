namespace SaaSReference.Database.Tests.Cluster;

/// <summary>Test classes that share one two-silo cluster: starting a cluster costs seconds, each test keeps to its own grains.</summary>
[CollectionDefinition(Name)]
public sealed class OrleansClusterCollection : ICollectionFixture<OrleansClusterFixture>
{
    public const string Name = "Orleans cluster on PostgreSQL";
}
