namespace SaaSReference.Database.Tests.Infrastructure;

/// <summary>Test classes that share one migrated database; each test keeps to its own cluster or service id.</summary>
[CollectionDefinition(Name)]
public sealed class MigratedDatabaseCollection : ICollectionFixture<MigratedDatabaseFixture>
{
    public const string Name = "Migrated database";
}
