namespace SaaSReference.Database;

/// <summary>What one run of <see cref="SchemaMigrator.MigrateAsync"/> did.</summary>
/// <param name="VersionBefore">The schema version found (0 for an empty database).</param>
/// <param name="VersionAfter">The schema version left behind.</param>
/// <param name="Applied">The scripts this run applied, in order; empty when the schema was already there.</param>
public sealed record MigrationResult(int VersionBefore, int VersionAfter, IReadOnlyList<MigrationScript> Applied);
