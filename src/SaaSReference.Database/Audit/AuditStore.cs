using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.Audit;

/// <summary>
/// <c>platform.audit_events</c>: appends extend each chain atomically, and reads page through it. Writers on several
/// silos serialise per chain on a transaction-scoped advisory lock, so a chain never forks (two records with the
/// same predecessor); the primary key (chain, seq) refuses a fork even if the lock were bypassed.
/// </summary>
public sealed partial class AuditStore(NpgsqlDataSource dataSource)
{
    // First key of the two-key advisory lock space ("AUDT"); the second is hashtext(chain). The schema migrator
    // uses the one-bigint space, which never collides with this one.
    private const int LockSpace = 0x41554454;

    /// <summary>Appends <paramref name="events"/> in one transaction, in order within each chain.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var records = new List<AuditRecord>(events.Count);
        // Chains locked in one order by every writer: no deadlock between batches that share chains.
        foreach (var chain in events.GroupBy(e => e.Chain, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var (seq, hash) = await LockHeadAsync(connection, transaction, chain.Key, cancellationToken);
            foreach (var e in chain)
            {
                seq++;
                var severity = AuditEventType.Text(e.Type.Severity);
                var next = AuditHash.Compute(hash, chain.Key, seq, e.At, e.Type.Name, severity, e.Actor, e.TenantId, e.Target, e.Outcome, e.Fields);
                records.Add(new AuditRecord(chain.Key, seq, e.At, e.Type.Name, severity, e.Actor, e.TenantId, e.Target, e.Outcome, e.Fields, hash, next));
                hash = next;
            }
        }
        await InsertAsync(connection, transaction, records, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return records;
    }

    private static async Task<(long Seq, byte[] Hash)> LockHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string chain,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(@space, hashtext(@chain));
            SELECT seq, hash FROM platform.audit_events WHERE chain = @chain ORDER BY seq DESC LIMIT 1;
            """, connection, transaction);
        command.Parameters.AddWithValue("space", LockSpace);
        command.Parameters.AddWithValue("chain", chain);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), (byte[])reader[1]) : (0, AuditHash.Genesis);
    }

    /// <summary>
    /// Binary COPY, in the append's transaction: the cheapest way into PostgreSQL for a batch (it runs for every state change
    /// of every tenant; docs/audit.md, "Overhead of auditing"). COPY needs only the INSERT privilege and fires no trigger
    /// the table has (those are on UPDATE, DELETE and TRUNCATE).
    /// </summary>
    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<AuditRecord> records,
        CancellationToken cancellationToken)
    {
        _ = transaction; // COPY runs in the connection's open transaction
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY platform.audit_events (chain, seq, at, type, severity, actor, tenant_id, target, outcome, fields, prev_hash, hash) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var r in records)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(r.Chain, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(r.Seq, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(r.At.UtcDateTime, NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(r.Type, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(r.Severity, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(r.Actor, NpgsqlDbType.Text, cancellationToken);
            if (r.TenantId is null)
            {
                await import.WriteNullAsync(cancellationToken);
            }
            else
            {
                await import.WriteAsync(r.TenantId, NpgsqlDbType.Text, cancellationToken);
            }
            await import.WriteAsync(r.Target, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(r.Outcome, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(JsonSerializer.Serialize(r.Fields), NpgsqlDbType.Jsonb, cancellationToken);
            await import.WriteAsync(r.PrevHash, NpgsqlDbType.Bytea, cancellationToken);
            await import.WriteAsync(r.Hash, NpgsqlDbType.Bytea, cancellationToken);
        }
        await import.CompleteAsync(cancellationToken);
    }

    internal const string Columns = "chain, seq, at, type, severity, actor, tenant_id, target, outcome, fields::text, prev_hash, hash";

    internal static AuditRecord Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetInt64(1), new DateTimeOffset(reader.GetFieldValue<DateTime>(2), TimeSpan.Zero), reader.GetString(3),
        reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7), reader.GetString(8),
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(9)) ?? [], (byte[])reader[10], (byte[])reader[11]);

    /// <summary>Records of <paramref name="chain"/> with seq after <paramref name="afterSeq"/>, in seq order.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ReadChainAsync(string chain, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM platform.audit_events WHERE chain = @chain AND seq > @after ORDER BY seq LIMIT @limit");
        command.Parameters.AddWithValue("chain", chain);
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("limit", limit);
        var records = new List<AuditRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Read(reader));
        }
        return records;
    }
}
