using System.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace SaaSReference.Database;

/// <summary>
/// Brings a PostgreSQL database to the schema of this build by running the scripts of <c>infra/postgres</c>
/// that it lacks, in version order. Every silo may call it at start: concurrent runs queue on an advisory
/// lock, and a run that finds the schema current applies nothing.
/// </summary>
public static class SchemaMigrator
{
    // The advisory lock that serialises migrators of one database ("SAASREF1" in ASCII). Session-level, so it
    // spans the separate transactions of the scripts; PostgreSQL drops it if the connection dies.
    private const long LockKey = 0x5341_4153_5245_4631;

    private static readonly Lazy<IReadOnlyList<MigrationScript>> EmbeddedScriptList = new(() => EmbeddedScripts.Load());

    private static readonly Lazy<IReadOnlyList<MigrationScript>> RegionScriptList = new(() => EmbeddedScripts.Load(EmbeddedScripts.RegionPrefix));

    /// <summary>Every script this build knows, in version order.</summary>
    public static IReadOnlyList<MigrationScript> Scripts => EmbeddedScriptList.Value;

    /// <summary>The scripts of a region's tenant-storage database (infra/postgres/region), in version order.</summary>
    public static IReadOnlyList<MigrationScript> RegionScripts => RegionScriptList.Value;

    /// <summary>
    /// Brings a region's tenant-storage database to this build's region schema, under the same rules as the
    /// platform database (its own history table in that database).
    /// </summary>
    public static Task<MigrationResult> MigrateRegionAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        MigrateScriptsAsync(connectionString, RegionScripts, logger, null, cancellationToken);

    /// <summary>
    /// Applies, each in its own transaction together with its row in <c>public.schema_migrations</c>, the
    /// scripts newer than the database's version up to <paramref name="targetVersion"/> (default: all).
    /// </summary>
    /// <exception cref="SchemaMigrationException">An applied script has changed, the database is newer than
    /// this build, or a script failed (its transaction is rolled back).</exception>
    public static Task<MigrationResult> MigrateAsync(
        string connectionString, ILogger? logger = null, int? targetVersion = null, CancellationToken cancellationToken = default) =>
        MigrateScriptsAsync(connectionString, Scripts, logger, targetVersion, cancellationToken);

    private static async Task<MigrationResult> MigrateScriptsAsync(
        string connectionString, IReadOnlyList<MigrationScript> scripts, ILogger? logger, int? targetVersion, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        logger ??= NullLogger.Instance;
        var latest = scripts.Count == 0 ? 0 : scripts[^1].Version;
        var target = targetVersion ?? latest;
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(targetVersion));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(target, latest, nameof(targetVersion));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await AcquireLockAsync(connection, logger, cancellationToken);
        try
        {
            await ExecuteAsync(connection, null, MigrationHistory.CreateTableSql, cancellationToken);
            var applied = await MigrationHistory.ReadAsync(connection, cancellationToken);
            MigrationHistory.Verify(applied, scripts);

            var before = applied.Count == 0 ? 0 : applied[^1].Version;
            var pending = scripts.Where(script => script.Version > before && script.Version <= target).ToList();
            foreach (var script in pending)
            {
                logger.Applying(script.Name, script.Version);
                await ApplyAsync(connection, script, cancellationToken);
            }

            var after = pending.Count == 0 ? before : pending[^1].Version;
            if (pending.Count == 0)
            {
                logger.UpToDate(after);
            }
            else
            {
                logger.Migrated(before, after);
            }
            return new MigrationResult(before, after, pending);
        }
        finally
        {
            await ReleaseLockAsync(connection);
        }
    }

    /// <summary>The database's schema version: the newest applied script, 0 for an empty database.</summary>
    public static async Task<int> CurrentVersionAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var applied = await MigrationHistory.ReadAsync(connection, cancellationToken);
        return applied.Count == 0 ? 0 : applied[^1].Version;
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, MigrationScript script, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, transaction, script.Text, cancellationToken);
        }
        catch (PostgresException exception)
        {
            throw new SchemaMigrationException(
                $"Schema script {script.Name} failed and was rolled back: {exception.MessageText} (SQLSTATE {exception.SqlState}).", exception);
        }

        await using (var record = new NpgsqlCommand(MigrationHistory.RecordSql, connection, transaction))
        {
            record.Parameters.AddWithValue("version", script.Version);
            record.Parameters.AddWithValue("name", script.Name);
            record.Parameters.AddWithValue("sha256", script.Sha256);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        // No time limit: a script may rewrite a large table; the caller's token is the way to give up.
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AcquireLockAsync(NpgsqlConnection connection, ILogger logger, CancellationToken cancellationToken)
    {
        await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        tryLock.Parameters.AddWithValue("key", LockKey);
        if (await tryLock.ExecuteScalarAsync(cancellationToken) is true)
        {
            return;
        }

        logger.WaitingForLock();
        await using var waitForLock = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 0 };
        waitForLock.Parameters.AddWithValue("key", LockKey);
        await waitForLock.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ReleaseLockAsync(NpgsqlConnection connection)
    {
        // A pooled connection keeps its session, and with it the lock, after Dispose: release it explicitly.
        // A broken connection has no session left, and so no lock.
        if (connection.FullState != ConnectionState.Open)
        {
            return;
        }
        await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
        unlock.Parameters.AddWithValue("key", LockKey);
        await unlock.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
