using Npgsql;
using SaaSReference.Database.Tests.Infrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Migrations;

public sealed class SchemaMigratorTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static int Latest => SchemaMigrator.Scripts[^1].Version;

    [Fact]
    public async Task MigrateAsync_FreshDatabase_ReachesLatestVersion()
    {
        var database = await postgres.CreateDatabaseAsync("fresh");

        var result = await SchemaMigrator.MigrateAsync(database);

        Assert.Equal(0, result.VersionBefore);
        Assert.Equal(Latest, result.VersionAfter);
        Assert.Equal(SchemaMigrator.Scripts, result.Applied);
        Assert.Equal(Latest, await SchemaMigrator.CurrentVersionAsync(database));
        var recorded = await Sql.StringsAsync(database, "SELECT version || ' ' || name || ' ' || sha256 FROM public.schema_migrations ORDER BY version");
        Assert.Equal(SchemaMigrator.Scripts.Select(s => $"{s.Version} {s.Name} {s.Sha256}"), recorded);
        // The last script belongs to another part of the platform; the migrator must have run it too.
        Assert.True(await Sql.ScalarAsync<bool>(database, "SELECT to_regclass('platform.tenant_catalog') IS NOT NULL"));
    }

    [Fact]
    public async Task MigrateAsync_SecondRun_AppliesNothing()
    {
        var database = await postgres.CreateDatabaseAsync("again");
        await SchemaMigrator.MigrateAsync(database);

        var second = await SchemaMigrator.MigrateAsync(database);

        Assert.Empty(second.Applied);
        Assert.Equal(Latest, second.VersionBefore);
        Assert.Equal(Latest, second.VersionAfter);
        Assert.Equal(SchemaMigrator.Scripts.Count, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM public.schema_migrations"));
    }

    [Fact]
    public async Task MigrateAsync_FourConcurrentMigrators_EachScriptAppliedOnce()
    {
        var database = await postgres.CreateDatabaseAsync("race");
        // Not a timing assertion: a migrator that never releases its lock would leave the others waiting forever.
        using var hangGuard = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => SchemaMigrator.MigrateAsync(database, cancellationToken: hangGuard.Token))));

        var applied = results.SelectMany(result => result.Applied).Select(script => script.Version).Order();
        Assert.Equal(SchemaMigrator.Scripts.Select(script => script.Version), applied);
        Assert.All(results, result => Assert.Equal(Latest, result.VersionAfter));
        Assert.Equal(SchemaMigrator.Scripts.Count, await Sql.ScalarAsync<long>(database, "SELECT count(*) FROM public.schema_migrations"));
    }

    [Fact]
    public async Task MigrateAsync_FromVersionTwo_AppliesOnlyTheRest()
    {
        var database = await postgres.CreateDatabaseAsync("upgrade");
        var partial = await SchemaMigrator.MigrateAsync(database, targetVersion: 2);
        Assert.Equal([1, 2], partial.Applied.Select(script => script.Version));
        Assert.False(await Sql.ScalarAsync<bool>(database, "SELECT to_regclass('public.orleans_reminder') IS NOT NULL"));

        var upgrade = await SchemaMigrator.MigrateAsync(database);

        Assert.Equal(2, upgrade.VersionBefore);
        Assert.Equal(SchemaMigrator.Scripts.Where(script => script.Version > 2), upgrade.Applied);
        Assert.Equal(Latest, await SchemaMigrator.CurrentVersionAsync(database));
        Assert.True(await Sql.ScalarAsync<bool>(database, "SELECT to_regclass('public.orleans_reminder') IS NOT NULL"));
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptChanged_RefusedNamingTheScript()
    {
        var database = await postgres.CreateDatabaseAsync("tampered");
        await SchemaMigrator.MigrateAsync(database, targetVersion: 2);
        await Sql.ExecuteAsync(database, "UPDATE public.schema_migrations SET sha256 = repeat('0', 64) WHERE version = 2");

        var refused = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.MigrateAsync(database));

        Assert.Contains(SchemaMigrator.Scripts[1].Name, refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, await SchemaMigrator.CurrentVersionAsync(database));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseNewerThanBuild_Refused()
    {
        var database = await postgres.CreateDatabaseAsync("newer");
        await SchemaMigrator.MigrateAsync(database);
        await Sql.ExecuteAsync(database,
            "INSERT INTO public.schema_migrations (version, name, sha256) VALUES (@version, '9999_from_the_future.sql', repeat('a', 64))",
            ("version", Latest + 1));

        var refused = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.MigrateAsync(database));

        Assert.Contains("newer", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Latest + 1, await SchemaMigrator.CurrentVersionAsync(database));
    }

    [Fact]
    public async Task MigrateAsync_RecordedScriptMissingInTheMiddle_Refused()
    {
        var database = await postgres.CreateDatabaseAsync("gap");
        await SchemaMigrator.MigrateAsync(database);
        await Sql.ExecuteAsync(database, "DELETE FROM public.schema_migrations WHERE version = 2");

        var refused = await Assert.ThrowsAsync<SchemaMigrationException>(() => SchemaMigrator.MigrateAsync(database));

        Assert.Contains(SchemaMigrator.Scripts[1].Name, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_AfterRun_LeavesNoAdvisoryLockOnPooledConnection()
    {
        var database = await postgres.CreateDatabaseAsync("unlock");

        await SchemaMigrator.MigrateAsync(database);

        // The migrator's connection went back to the pool with its session still open: a lock it forgot to
        // release would still be held there and would block the next migrator. Look from outside the pool,
        // since reusing that very connection would reset its session first.
        var outsider = new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString;
        Assert.Equal(0L, await Sql.ScalarAsync<long>(outsider, "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()"));
    }

    [Fact]
    public async Task CurrentVersionAsync_EmptyDatabase_ReturnsZero()
    {
        var database = await postgres.CreateDatabaseAsync("empty");

        Assert.Equal(0, await SchemaMigrator.CurrentVersionAsync(database));
    }

    [Fact]
    public async Task MigrateAsync_TargetBeyondLatest_Throws()
    {
        var database = await postgres.CreateDatabaseAsync("beyond");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SchemaMigrator.MigrateAsync(database, targetVersion: Latest + 1));
    }
}
