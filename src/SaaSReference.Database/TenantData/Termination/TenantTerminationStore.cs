using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.TenantData.Termination;

/// <summary>
/// <c>platform.tenant_terminations</c> (8.1.5d-f) and the change requests that approve them (6.1.2a). Every transition is
/// one conditional statement, so a cancellation racing an approval or an execution leaves exactly one outcome; the
/// table's CHECKs refuse an approver who is the requester and an execution started before the grace period ended.
/// Times are the database's clock, the one the grace period is checked against.
/// </summary>
public sealed class TenantTerminationStore(NpgsqlDataSource platform)
{
    public const string ChangeRequestKind = "tenant-termination";

    private const string Columns =
        "termination_id, tenant_id, state, reason, requested_at, requested_by, execute_after, change_request_id, approved_by, approved_at, "
        + "cancelled_by, cancelled_at, cancel_reason, execution_started_at, executed_at, region, schema_name, dropped_rows, schema_dropped_at, "
        + "key_versions_destroyed, keys_destroyed_at, backups_undecryptable, storage_terminated_at";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Records the termination and its change request (pending, kind <see cref="ChangeRequestKind"/>) in one transaction.
    /// </summary>
    /// <exception cref="TenantTerminationConflictException">The tenant has a termination that is not cancelled; nothing was written.</exception>
    public async Task<TenantTermination> RequestAsync(NewTenantTermination request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var changeRequestId = Guid.CreateVersion7();
            await using (var command = new NpgsqlCommand(
                """
                INSERT INTO platform.change_requests (id, kind, tenant_id, payload, reason, requested_by, requested_at, expires_at, status)
                VALUES ($1, $2, $3, '{}'::jsonb, $4, $5, now(), now() + $6, 'pending')
                """, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = changeRequestId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ChangeRequestKind });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.TenantId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.ChangeRequestReason });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.RequestedBy });
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = request.ApprovalLifetime });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var command = new NpgsqlCommand(
                $"""
                INSERT INTO platform.tenant_terminations (termination_id, tenant_id, state, reason, requested_at, requested_by, execute_after, change_request_id)
                VALUES ($1, $2, 'pending', $3, now(), $4, now() + $5, $6)
                RETURNING {Columns}
                """, connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.TenantId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Reason });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.RequestedBy });
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = request.GracePeriod });
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = changeRequestId });
                try
                {
                    var created = (await ReadAsync(command, cancellationToken))[0];
                    await transaction.CommitAsync(cancellationToken);
                    return created;
                }
                catch (PostgresException exception) when (exception is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tenant_terminations_one_live" })
                {
                    // Another termination of the tenant is live (or executed); the transaction, change request included, rolls back.
                }
            }
        }
        var existing = await GetLatestAsync(request.TenantId, cancellationToken)
            ?? throw new InvalidOperationException($"A termination of tenant '{request.TenantId}' conflicts but cannot be read back.");
        throw new TenantTerminationConflictException(existing);
    }

    /// <summary>The tenant's most recent termination (live, executed or cancelled), or null.</summary>
    public async Task<TenantTermination?> GetLatestAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            $"SELECT {Columns} FROM platform.tenant_terminations WHERE tenant_id = $1 ORDER BY requested_at DESC, termination_id DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<TenantTermination?> GetAsync(Guid terminationId, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand($"SELECT {Columns} FROM platform.tenant_terminations WHERE termination_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = terminationId });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>The termination a change request approves, or null.</summary>
    public async Task<TenantTermination?> GetByChangeRequestAsync(Guid changeRequestId, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand($"SELECT {Columns} FROM platform.tenant_terminations WHERE change_request_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = changeRequestId });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>
    /// Records the approval of the termination that <paramref name="changeRequestId"/> asks for, if it is still pending;
    /// answers it then, null otherwise (cancelled meanwhile). The CHECK refuses an approver who is the requester.
    /// </summary>
    public async Task<TenantTermination?> ApproveAsync(Guid changeRequestId, string approvedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(approvedBy);
        await using var command = platform.CreateCommand(
            $"""
            UPDATE platform.tenant_terminations SET state = 'approved', approved_by = $2, approved_at = now()
             WHERE change_request_id = $1 AND state = 'pending' AND requested_by <> $2
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = changeRequestId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approvedBy });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>
    /// Cancels the tenant's termination if it is pending or approved (execution not started), and withdraws its change
    /// request if still undecided, in one transaction. Answers the cancelled termination, or null when there was nothing
    /// to cancel.
    /// </summary>
    public async Task<TenantTermination?> CancelAsync(string tenantId, string actor, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        TenantTermination? cancelled;
        await using (var command = new NpgsqlCommand(
            $"""
            UPDATE platform.tenant_terminations
               SET state = 'cancelled', cancelled_by = $2, cancelled_at = now(), cancel_reason = left($3, 500)
             WHERE tenant_id = $1 AND state IN ('pending', 'approved')
            RETURNING {Columns}
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = actor });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
            cancelled = (await ReadAsync(command, cancellationToken)).FirstOrDefault();
        }
        if (cancelled is null)
        {
            return null;
        }
        await using (var command = new NpgsqlCommand(
            """
            UPDATE platform.change_requests
               SET status = 'cancelled', decided_at = now(), decision_note = left($2, 500),
                   outcome = 'The termination was cancelled before a decision; nothing was changed.'
             WHERE id = $1 AND status = 'pending'
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cancelled.ChangeRequestId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"Withdrawn by {actor}: {reason}" });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return cancelled;
    }

    /// <summary>
    /// Cancels the pending terminations whose change request can no longer be approved: rejected, expired (or past its
    /// expiry), failed or withdrawn. Answers them.
    /// </summary>
    public async Task<IReadOnlyList<TenantTermination>> CloseUndecidedAsync(CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            $"""
            UPDATE platform.tenant_terminations t
               SET state = 'cancelled', cancelled_at = now(), cancelled_by = coalesce(c.decided_by, 'platform'),
                   cancel_reason = left(CASE c.status
                       WHEN 'rejected' THEN 'The approval was refused: ' || coalesce(c.decision_note, 'no note')
                       WHEN 'failed' THEN 'The approval could not be applied: ' || coalesce(c.outcome, 'no outcome')
                       WHEN 'cancelled' THEN 'The change request was withdrawn.'
                       ELSE 'Not approved within the approval lifetime.' END, 500)
              FROM platform.change_requests c
             WHERE c.id = t.change_request_id AND t.state = 'pending'
               AND (c.status IN ('rejected', 'expired', 'failed', 'cancelled') OR (c.status = 'pending' AND c.expires_at <= now()))
            RETURNING {Prefixed("t")}
            """);
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> terminations that are due (approved, grace period over) or were interrupted:
    /// marks them executing (the point of no return) and answers their ids. Rows another silo holds are skipped.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ClaimDueAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var command = platform.CreateCommand(
            """
            UPDATE platform.tenant_terminations
               SET state = 'executing', execution_started_at = coalesce(execution_started_at, now())
             WHERE termination_id IN (SELECT termination_id FROM platform.tenant_terminations
                                       WHERE state IN ('approved', 'executing') AND execute_after <= now()
                                       ORDER BY execute_after LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING termination_id
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    /// <summary>
    /// Takes the execution of a claimed termination for this process: a session lock that another silo cannot take while
    /// this connection lives (and that PostgreSQL releases if this process dies). Null when another process executes it
    /// or it is no longer executing.
    /// </summary>
    public async Task<TenantTerminationLease?> TryLeaseAsync(Guid terminationId, CancellationToken cancellationToken = default)
    {
        var connection = await platform.OpenConnectionAsync(cancellationToken);
        try
        {
            await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended('saasref-termination:' || $1::text, 0))", connection))
            {
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = terminationId });
                if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            }
            var lease = new TenantTerminationLease(connection, terminationId);
            var current = await lease.ReloadAsync(cancellationToken);
            if (current is not { State: TenantTerminationState.Executing })
            {
                await lease.DisposeAsync();
                return null;
            }
            return lease;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static string Prefixed(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    internal static async Task<List<TenantTermination>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<TenantTermination>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new TenantTermination(
                reader.GetGuid(0),
                reader.GetString(1),
                TenantTerminationText.Parse(reader.GetString(2)),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetGuid(7),
                NullableString(reader, 8),
                NullableTime(reader, 9),
                NullableString(reader, 10),
                NullableTime(reader, 11),
                NullableString(reader, 12),
                NullableTime(reader, 13),
                NullableTime(reader, 14),
                new TenantTerminationEvidence(
                    NullableString(reader, 15),
                    NullableString(reader, 16),
                    reader.IsDBNull(17) ? null : JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(17), Json),
                    NullableTime(reader, 18),
                    reader.IsDBNull(19) ? null : reader.GetFieldValue<int[]>(19),
                    NullableTime(reader, 20),
                    reader.IsDBNull(21) ? null : JsonSerializer.Deserialize<List<UndecryptableBackup>>(reader.GetString(21), Json),
                    NullableTime(reader, 22))));
        }
        return result;
    }

    internal static NpgsqlParameter JsonParameter<T>(T? value) where T : class =>
        new() { Value = value is null ? DBNull.Value : JsonSerializer.Serialize(value, Json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    internal static string SelectColumns => Columns;
}

/// <summary>
/// One process's hold on the execution of a termination (<see cref="TenantTerminationStore.TryLeaseAsync"/>): records each
/// step's evidence as soon as it is done, so an interrupted execution is finished by the next one with nothing lost.
/// </summary>
public sealed class TenantTerminationLease : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    internal TenantTerminationLease(NpgsqlConnection connection, Guid terminationId)
    {
        _connection = connection;
        TerminationId = terminationId;
    }

    public Guid TerminationId { get; }

    public async Task<TenantTermination?> ReloadAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {TenantTerminationStore.SelectColumns} FROM platform.tenant_terminations WHERE termination_id = $1", _connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = TerminationId });
        return (await TenantTerminationStore.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Every version of the key is destroyed at the provider (the first time recorded is kept).</summary>
    public Task RecordKeysDestroyedAsync(IReadOnlyList<int> versions, CancellationToken cancellationToken) =>
        UpdateAsync("key_versions_destroyed = $2, keys_destroyed_at = coalesce(keys_destroyed_at, clock_timestamp())", cancellationToken,
            new NpgsqlParameter<int[]> { TypedValue = [.. versions] });

    /// <summary>The tenant's backups that no key decrypts any more.</summary>
    public Task RecordBackupsAsync(IReadOnlyList<UndecryptableBackup> backups, CancellationToken cancellationToken) =>
        UpdateAsync("backups_undecryptable = $2", cancellationToken, TenantTerminationStore.JsonParameter(backups));

    /// <summary>The rows of the tenant's schema, counted just before it is dropped (kept when the schema is already gone).</summary>
    public Task RecordRowsAsync(string region, string schemaName, IReadOnlyDictionary<string, long>? rows, CancellationToken cancellationToken) =>
        UpdateAsync("region = $2, schema_name = $3, dropped_rows = coalesce($4, dropped_rows)", cancellationToken,
            new NpgsqlParameter<string> { TypedValue = region }, new NpgsqlParameter<string> { TypedValue = schemaName },
            TenantTerminationStore.JsonParameter(rows));

    /// <summary>The schema was found gone from the region database.</summary>
    public Task RecordSchemaDroppedAsync(CancellationToken cancellationToken) =>
        UpdateAsync("schema_dropped_at = coalesce(schema_dropped_at, clock_timestamp())", cancellationToken);

    /// <summary>The platform's catalog marks the storage terminated.</summary>
    public Task RecordStorageTerminatedAsync(CancellationToken cancellationToken) =>
        UpdateAsync("storage_terminated_at = coalesce(storage_terminated_at, clock_timestamp())", cancellationToken);

    /// <summary>Every step is done: the termination is executed.</summary>
    public async Task<TenantTermination> CompleteAsync(CancellationToken cancellationToken)
    {
        await UpdateAsync("state = 'executed', executed_at = coalesce(executed_at, clock_timestamp())", cancellationToken);
        return await ReloadAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Termination {TerminationId} was executed but cannot be read back.");
    }

    private async Task UpdateAsync(string assignments, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = new NpgsqlCommand(
            $"UPDATE platform.tenant_terminations SET {assignments} WHERE termination_id = $1 AND state = 'executing'", _connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = TerminationId });
        command.Parameters.AddRange(parameters);
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new InvalidOperationException($"Termination {TerminationId} is no longer executing.");
        }
    }

    /// <summary>
    /// Releases the session lock before the connection goes back to the pool (a pooled connection is only reset when it is
    /// next used); if this process dies instead, PostgreSQL releases it with the connection.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.State == System.Data.ConnectionState.Open)
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('saasref-termination:' || $1::text, 0))", _connection);
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = TerminationId });
                await command.ExecuteScalarAsync(CancellationToken.None);
            }
        }
        catch (NpgsqlException)
        {
            // The connection is broken: PostgreSQL ended its session, and the lock with it.
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
