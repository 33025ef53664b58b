using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.Migrations;

[Collection(MigratedDatabaseCollection.Name)]
public sealed class MigrationScriptsTests(MigratedDatabaseFixture database)
{
    [Fact]
    public void Scripts_Embedded_NumberedInOrderWithMatchingChecksums()
    {
        var scripts = SchemaMigrator.Scripts;

        // Numbered 1, 2, 3, ... without gaps: a gap would make every database that skipped it refuse to start.
        Assert.Equal(Enumerable.Range(1, scripts.Count), scripts.Select(script => script.Version));
        Assert.All(scripts, script =>
        {
            Assert.StartsWith($"{script.Version:D4}_", script.Name, StringComparison.Ordinal);
            Assert.DoesNotContain('\r', script.Text);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script.Text))), script.Sha256);
        });
    }

    [Fact]
    public async Task OrleansQuery_AfterMigration_HoldsEveryKeyTheProvidersLoad()
    {
        // Read the required keys out of the Orleans 10.4.2 assemblies themselves, so that an Orleans upgrade
        // that asks for a new query fails here rather than at silo start.
        var required = StoredQueryKeys(typeof(AdoNetClusteringTable).Assembly, "Orleans.Clustering.AdoNet.Storage.DbStoredQueries")
            .Concat(StoredQueryKeys(typeof(AdoNetReminderTableOptions).Assembly, "Orleans.Reminders.AdoNet.Storage.DbStoredQueries"))
            .Concat(Regex.Matches(AdoNetGrainStorage.DefaultInitializationQuery, "'(?<key>[A-Za-z]+Key)'").Select(match => match.Groups["key"].Value))
            .ToHashSet();

        var stored = await Sql.StringsAsync(database.ConnectionString, "SELECT QueryKey FROM OrleansQuery");

        Assert.Equal(20, required.Count);
        Assert.Subset(stored.ToHashSet(), required);
    }

    private static IEnumerable<string> StoredQueryKeys(Assembly assembly, string typeName) =>
        assembly.GetType(typeName, throwOnError: true)!
            .GetProperties(BindingFlags.Instance | BindingFlags.NonPublic)
            .Select(property => property.Name);
}
