using Npgsql;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>12.4.2a: the application cannot change or remove audit records: privileges refuse, and triggers too.</summary>
public sealed class AuditPrivilegeTests(AuditDatabase database) : IClassFixture<AuditDatabase>
{
    [Theory]
    [InlineData("UPDATE platform.audit_events SET actor = 'x'")]
    [InlineData("DELETE FROM platform.audit_events")]
    [InlineData("TRUNCATE platform.audit_events")]
    [InlineData("UPDATE platform.audit_checkpoints SET key_id = 'x'")]
    public async Task ApplicationRole_ChangeOrRemove_PermissionDenied(string sql)
    {
        await database.Store.AppendAsync([AuditDatabase.Event("privileges", 1)]);

        var error = await Assert.ThrowsAsync<PostgresException>(() => AuditDatabase.ExecuteAsync(database.ConnectionString, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Theory]
    [InlineData("UPDATE platform.audit_events SET actor = 'x'")]
    [InlineData("DELETE FROM platform.audit_events")]
    public async Task WriterRole_ChangeOrRemove_PermissionDeniedButInsertAndSelectAllowed(string sql)
    {
        await database.Store.AppendAsync([AuditDatabase.Event("writer", 1)]);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using (var role = new NpgsqlCommand("SET ROLE saasref_audit_writer", connection))
        {
            await role.ExecuteNonQueryAsync();
        }
        await using (var select = new NpgsqlCommand("SELECT count(*) FROM platform.audit_events", connection))
        {
            Assert.True((long)(await select.ExecuteScalarAsync())! >= 1);
        }

        await using var command = new NpgsqlCommand(sql, connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Theory]
    [InlineData("UPDATE platform.audit_events SET actor = 'x'")]
    [InlineData("DELETE FROM platform.audit_events")]
    [InlineData("TRUNCATE platform.audit_events")]
    public async Task Superuser_TriggersEnabled_Refused(string sql)
    {
        await database.Store.AppendAsync([AuditDatabase.Event("triggers", 1)]);

        var error = await Assert.ThrowsAsync<PostgresException>(() => AuditDatabase.ExecuteAsync(database.SuperuserConnectionString, sql));

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_TenantFilter_OnlyThatTenantsRecords()
    {
        await database.Store.AppendAsync([AuditDatabase.Event("query-a", 1), AuditDatabase.Event("query-b", 2), AuditDatabase.Event("query-a", 3)]);
        var now = DateTimeOffset.UtcNow;

        var first = await database.Store.QueryAsync(new AuditQuery("query-a", null, null, now.AddDays(-1), now.AddMinutes(1), 1, null));
        var second = await database.Store.QueryAsync(new AuditQuery("query-a", null, null, now.AddDays(-1), now.AddMinutes(1), 1, AuditCursor.TryDecode(first.NextCursor!)));

        Assert.Equal(["records/3", "records/1"], first.Records.Concat(second.Records).Select(r => r.Target));
        Assert.Null(second.NextCursor);
    }
}
