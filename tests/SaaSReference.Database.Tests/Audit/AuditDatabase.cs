using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>
/// A migrated database for audit tests, with the writer role created the way an administrator would (the
/// application role may not create roles), and a superuser connection for the tamper tests.
/// </summary>
public sealed class AuditDatabase : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();

    public string ConnectionString { get; private set; } = "";
    public string SuperuserConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public AuditStore Store { get; private set; } = null!;
    public AuditCheckpointKeys Keys { get; } = new(AuditCheckpointKeys.NewPrivateKey());

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        ConnectionString = await _postgres.CreateDatabaseAsync("audit");
        SuperuserConnectionString = new NpgsqlConnectionStringBuilder(_postgres.Server.AdminConnectionString)
        {
            Database = new NpgsqlConnectionStringBuilder(ConnectionString).Database,
        }.ConnectionString;
        var appRole = new NpgsqlConnectionStringBuilder(ConnectionString).Username;
        await ExecuteAsync(SuperuserConnectionString, $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'saasref_audit_writer') THEN CREATE ROLE saasref_audit_writer NOLOGIN; END IF;
            END $$;
            GRANT saasref_audit_writer TO {appRole};
            """);
        await SchemaMigrator.MigrateAsync(ConnectionString);
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        Store = new AuditStore(DataSource);
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="sql"/> as a superuser with the append-only triggers off, as an attacker would.</summary>
    public Task TamperAsync(string sql) => ExecuteAsync(SuperuserConnectionString, $"""
        BEGIN;
        ALTER TABLE platform.audit_events DISABLE TRIGGER USER;
        {sql};
        ALTER TABLE platform.audit_events ENABLE TRIGGER USER;
        COMMIT;
        """);

    public static AuditEvent Event(string? tenantId, int n, string actor = "user-a") =>
        new(AuditEventTypes.GrainStateChanged, actor, tenantId, $"records/{n}", "success",
            new Dictionary<string, string> { ["grain"] = "tenantrecord", ["method"] = "PutAsync", ["durationMs"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync()
    {
        Keys.Dispose();
        await DataSource.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
