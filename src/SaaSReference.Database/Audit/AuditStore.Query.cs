using Npgsql;

namespace SaaSReference.Database.Audit;

/// <summary>One page of audit records, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Records, string? NextCursor);

public sealed partial class AuditStore
{
    /// <summary>
    /// A page of records matching <paramref name="query"/>. With a tenant, only that tenant's records (12.4.2b,
    /// 9.4.4e): the filter is always in the SQL, never left to the caller.
    /// </summary>
    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM platform.audit_events
            WHERE at >= @from AND at < @to
              AND (@tenant::text IS NULL OR tenant_id = @tenant)
              AND (@type::text IS NULL OR type = @type)
              AND (@actor::text IS NULL OR actor = @actor)
              AND (@has_cursor = false OR (at, chain, seq) < (@c_at, @c_chain, @c_seq))
            ORDER BY at DESC, chain DESC, seq DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("from", query.From.UtcDateTime);
        command.Parameters.AddWithValue("to", query.To.UtcDateTime);
        command.Parameters.Add(new NpgsqlParameter<string?>("tenant", query.TenantId));
        command.Parameters.Add(new NpgsqlParameter<string?>("type", query.Type));
        command.Parameters.Add(new NpgsqlParameter<string?>("actor", query.Actor));
        command.Parameters.AddWithValue("has_cursor", query.After is not null);
        command.Parameters.AddWithValue("c_at", (query.After?.At ?? DateTimeOffset.UnixEpoch).UtcDateTime);
        command.Parameters.AddWithValue("c_chain", query.After?.Chain ?? "");
        command.Parameters.AddWithValue("c_seq", query.After?.Seq ?? 0L);
        command.Parameters.AddWithValue("limit", query.Limit + 1);
        var records = new List<AuditRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Read(reader));
        }
        if (records.Count <= query.Limit)
        {
            return new AuditPage(records, null);
        }
        records.RemoveAt(records.Count - 1);
        var last = records[^1];
        return new AuditPage(records, new AuditCursor(last.At, last.Chain, last.Seq).Encode());
    }
}
