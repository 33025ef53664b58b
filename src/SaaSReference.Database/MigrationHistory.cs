using Npgsql;

namespace SaaSReference.Database;

/// <summary>The <c>public.schema_migrations</c> table: which scripts a database has, and whether they still match.</summary>
internal static class MigrationHistory
{
    public const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS public.schema_migrations
        (
            version    int         PRIMARY KEY,
            name       text        NOT NULL,
            sha256     text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    public const string RecordSql = "INSERT INTO public.schema_migrations (version, name, sha256) VALUES (@version, @name, @sha256)";

    public sealed record AppliedScript(int Version, string Name, string Sha256);

    /// <summary>The recorded scripts in version order; empty when the table does not exist yet.</summary>
    public static async Task<IReadOnlyList<AppliedScript>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('public.schema_migrations') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return [];
            }
        }

        await using var command = new NpgsqlCommand("SELECT version, name, sha256 FROM public.schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new List<AppliedScript>();
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(new AppliedScript(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        }
        return applied;
    }

    /// <summary>
    /// Refuses a history that this build cannot safely continue: a database newer than every script known
    /// here, an applied script whose text has changed since, or a recorded version this build lacks or skipped.
    /// </summary>
    public static void Verify(IReadOnlyList<AppliedScript> applied, IReadOnlyList<MigrationScript> scripts)
    {
        if (applied.Count == 0)
        {
            return;
        }

        var latestKnown = scripts.Count == 0 ? 0 : scripts[^1].Version;
        var newest = applied[^1];
        if (newest.Version > latestKnown)
        {
            throw new SchemaMigrationException(
                $"The database schema is at version {newest.Version} ({newest.Name}), newer than the newest script this " +
                $"build knows (version {latestKnown}). Refusing to run older code against a newer schema: deploy the newer build.");
        }

        var known = scripts.ToDictionary(script => script.Version);
        foreach (var row in applied)
        {
            if (!known.TryGetValue(row.Version, out var script))
            {
                throw new SchemaMigrationException(
                    $"The database records schema script {row.Name} (version {row.Version}), which this build does not have.");
            }
            if (!string.Equals(row.Sha256, script.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new SchemaMigrationException(
                    $"Schema script {script.Name} (version {script.Version}) differs from the one applied to this database " +
                    $"(recorded sha256 {row.Sha256}, this build's {script.Sha256}). An applied script must never change: " +
                    "restore it and put the change in a new script.");
            }
        }

        var recorded = applied.Select(row => row.Version).ToHashSet();
        var skipped = scripts.FirstOrDefault(script => script.Version < newest.Version && !recorded.Contains(script.Version));
        if (skipped is not null)
        {
            throw new SchemaMigrationException(
                $"Schema script {skipped.Name} was never applied to this database, yet the later version {newest.Version} was. " +
                "Scripts run in order only; apply it by hand or restore the database.");
        }
    }
}
