using System.Data;
using Npgsql;

namespace SaaSReference.Database.Audit.Export;

/// <summary>
/// What an export will hold, read in one REPEATABLE READ snapshot that stays open until the export is written: the
/// count given to the caller (and recorded in the trail before anything is sent) is exactly what is streamed.
/// </summary>
public sealed class AuditExportSelection : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    internal AuditExportSelection(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditExportHeader header, long records,
        long firstSeq, long lastSeq)
    {
        _connection = connection;
        _transaction = transaction;
        Header = header;
        Records = records;
        FirstSeq = firstSeq;
        LastSeq = lastSeq;
    }

    public AuditExportHeader Header { get; }

    public long Records { get; }

    /// <summary>A tenant export's seq range (contiguous); 0 when it holds nothing or for an actor export.</summary>
    internal long FirstSeq { get; }

    internal long LastSeq { get; }

    internal NpgsqlCommand Command(string sql) => new(sql, _connection, _transaction);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>
/// 12.4.2b: exports the trail as signed JSON Lines (<see cref="AuditExportFormat"/>): one tenant's chain, contiguous
/// (the seq range whose records fall in [from, to), or the whole chain), or one privileged user's acts in a period,
/// across chains in (chain, seq) order. Signed with the audit signing key, so the recipient checks it offline with
/// <see cref="AuditExportVerifier"/> and the platform's public key.
/// </summary>
public sealed class AuditExporter(NpgsqlDataSource dataSource, AuditCheckpointKeys keys)
{
    /// <summary>Whether this process can sign exports (a signing key is configured or generated).</summary>
    public bool CanSign => keys.SigningPublicKey is not null;

    public async Task<AuditExportSelection> SelectAsync(AuditExportHeader header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var command = new NpgsqlCommand(header.Scope == AuditExportScope.Tenant
                ? """
                  SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM platform.audit_events
                   WHERE chain = @chain AND (@from::timestamptz IS NULL OR at >= @from) AND (@to::timestamptz IS NULL OR at < @to)
                  """
                : "SELECT count(*), 0 FROM platform.audit_events WHERE actor = @actor AND at >= @from AND at < @to", connection, transaction);
            command.Parameters.AddWithValue("chain", AuditChains.TenantPrefix + header.Subject);
            command.Parameters.AddWithValue("actor", header.Subject);
            command.Parameters.Add(new NpgsqlParameter<DateTime?>("from", header.From?.UtcDateTime));
            command.Parameters.Add(new NpgsqlParameter<DateTime?>("to", header.To?.UtcDateTime));
            long first, last;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                (first, last) = (reader.GetInt64(0), reader.GetInt64(1));
            }
            return header.Scope == AuditExportScope.Tenant
                ? new AuditExportSelection(connection, transaction, header, first == 0 ? 0 : last - first + 1, first, last)
                : new AuditExportSelection(connection, transaction, header, first, 0, 0);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Streams the selection to <paramref name="output"/>: header, checkpoints, records, signature.</summary>
    public async Task WriteAsync(AuditExportSelection selection, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new AuditExportWriter(output, keys);
        await writer.WriteHeaderAsync(selection.Header, cancellationToken);
        var tenant = selection.Header.Scope == AuditExportScope.Tenant;

        // Checkpoints first: a tenant's within its range; an actor's at the seq of one of its records.
        await using (var checkpoints = selection.Command(tenant
            ? "SELECT chain, seq, hash, signed_at, signature, key_id FROM platform.audit_checkpoints WHERE chain = @chain AND seq BETWEEN @first AND @last ORDER BY seq"
            : """
              SELECT c.chain, c.seq, c.hash, c.signed_at, c.signature, c.key_id FROM platform.audit_checkpoints c
               WHERE EXISTS (SELECT 1 FROM platform.audit_events e WHERE e.chain = c.chain AND e.seq = c.seq AND e.actor = @actor AND e.at >= @from AND e.at < @to)
               ORDER BY c.chain, c.seq
              """))
        {
            AddParameters(checkpoints, selection);
            await using var reader = await checkpoints.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await writer.WriteCheckpointAsync(new AuditCheckpoint(reader.GetString(0), reader.GetInt64(1), (byte[])reader[2],
                    new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero), (byte[])reader[4], reader.GetString(5)), cancellationToken);
            }
        }

        await using (var records = selection.Command(tenant
            ? $"SELECT {AuditStore.Columns} FROM platform.audit_events WHERE chain = @chain AND seq BETWEEN @first AND @last ORDER BY seq"
            : $"SELECT {AuditStore.Columns} FROM platform.audit_events WHERE actor = @actor AND at >= @from AND at < @to ORDER BY chain, seq"))
        {
            AddParameters(records, selection);
            await using var reader = await records.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await writer.WriteRecordAsync(AuditStore.Read(reader), cancellationToken);
            }
        }
        await writer.CompleteAsync(cancellationToken);
    }

    private static void AddParameters(NpgsqlCommand command, AuditExportSelection selection)
    {
        command.Parameters.AddWithValue("chain", AuditChains.TenantPrefix + selection.Header.Subject);
        command.Parameters.AddWithValue("first", selection.FirstSeq);
        command.Parameters.AddWithValue("last", selection.LastSeq);
        command.Parameters.AddWithValue("actor", selection.Header.Subject);
        command.Parameters.AddWithValue("from", (selection.Header.From ?? DateTimeOffset.UnixEpoch).UtcDateTime);
        command.Parameters.AddWithValue("to", (selection.Header.To ?? DateTimeOffset.MaxValue).UtcDateTime);
    }
}
