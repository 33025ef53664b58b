using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.Quotas;

/// <summary>
/// <c>platform.change_requests</c>: privileged changes waiting for a second person (6.1.2a, 9.1.1c, 12.1.2f). Every
/// decision is one conditional UPDATE on a pending row, so two approvers racing, or an approval racing the
/// expiry, leave exactly one decision; the table's CHECK refuses a decider who is the requester in any case.
/// </summary>
public sealed class ChangeRequestStore(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 200;

    private const string Columns =
        "id, kind, tenant_id, payload, reason, requested_by, requested_at, expires_at, status, decided_by, decided_at, decision_note, outcome";

    // Pending and within both its own expiry and the current approval lifetime ($at, $staleBefore).
    private const string Live = "status = 'pending' AND expires_at > @at AND requested_at > @stale_before";

    public async Task<ChangeRequest> CreateAsync(NewChangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO platform.change_requests (id, kind, tenant_id, payload, reason, requested_by, requested_at, expires_at, status)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7(request.RequestedAt) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ChangeRequestText.Of(request.Kind) });
        command.Parameters.Add(Text(request.TenantId));
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(request.Payload, QuotaJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Reason });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.RequestedBy });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.RequestedAt });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.ExpiresAt });
        return (await ReadAsync(command, cancellationToken))[0];
    }

    public async Task<ChangeRequest?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM platform.change_requests WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Keyset paging, newest first: requests older than <paramref name="after"/>, optionally of one status or tenant.</summary>
    public async Task<ChangeRequestPage> ListAsync(ChangeRequestStatus? status, string? tenantId, Guid? after, int limit,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM platform.change_requests c
             WHERE ($1::text IS NULL OR c.status = $1)
               AND ($2::text IS NULL OR c.tenant_id = $2)
               AND ($3::uuid IS NULL OR (c.requested_at, c.id) < (SELECT a.requested_at, a.id FROM platform.change_requests a WHERE a.id = $3))
             ORDER BY c.requested_at DESC, c.id DESC
             LIMIT $4
            """);
        command.Parameters.Add(Text(status is { } s ? ChangeRequestText.Of(s) : null));
        command.Parameters.Add(Text(tenantId));
        command.Parameters.Add(new NpgsqlParameter { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        var items = await ReadAsync(command, cancellationToken);
        if (items.Count <= limit)
        {
            return new ChangeRequestPage(items, null);
        }
        items.RemoveAt(limit);
        return new ChangeRequestPage(items, items[^1].Id);
    }

    /// <summary>
    /// Takes the request for approval by <paramref name="approvedBy"/>: status approved, outcome not yet known.
    /// Null when it is not pending any more, is stale, or was made by the same person; nothing is changed then.
    /// </summary>
    public Task<ChangeRequest?> ClaimForApprovalAsync(Guid id, string approvedBy, string? note, DateTimeOffset at, TimeSpan lifetime,
        CancellationToken cancellationToken = default) =>
        DecideAsync(id, ChangeRequestStatus.Approved, approvedBy, note, at, lifetime, cancellationToken);

    /// <summary>Rejects the request; null when it is not pending any more, is stale, or was made by the same person.</summary>
    public Task<ChangeRequest?> RejectAsync(Guid id, string rejectedBy, string note, DateTimeOffset at, TimeSpan lifetime,
        CancellationToken cancellationToken = default) =>
        DecideAsync(id, ChangeRequestStatus.Rejected, rejectedBy, note, at, lifetime, cancellationToken);

    /// <summary>
    /// Records how an approved request's execution came out: still approved when it took effect, failed otherwise.
    /// Only the claim of <paramref name="approvedBy"/> without an outcome yet can be completed.
    /// </summary>
    public async Task<ChangeRequest?> RecordOutcomeAsync(Guid id, string approvedBy, bool applied, string outcome,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE platform.change_requests SET status = $3, outcome = $4
             WHERE id = $1 AND decided_by = $2 AND status = 'approved' AND outcome IS NULL
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approvedBy });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ChangeRequestText.Of(applied ? ChangeRequestStatus.Approved : ChangeRequestStatus.Failed) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Truncate(outcome) });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Marks the request expired if it is pending and stale; null otherwise.</summary>
    public async Task<ChangeRequest?> ExpireAsync(Guid id, DateTimeOffset at, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        (await ExpireWhereAsync("id = @id", id, at, lifetime, cancellationToken)).FirstOrDefault();

    /// <summary>Marks every stale pending request expired; returns them.</summary>
    public async Task<IReadOnlyList<ChangeRequest>> ExpireStaleAsync(DateTimeOffset at, TimeSpan lifetime, CancellationToken cancellationToken = default) =>
        await ExpireWhereAsync("TRUE", null, at, lifetime, cancellationToken);

    private async Task<List<ChangeRequest>> ExpireWhereAsync(string filter, Guid? id, DateTimeOffset at, TimeSpan lifetime,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE platform.change_requests
               SET status = 'expired', decided_at = @at, outcome = 'Not decided within the approval lifetime; nothing was changed.'
             WHERE {filter} AND status = 'pending' AND (expires_at <= @at OR requested_at <= @stale_before)
            RETURNING {Columns}
            """);
        if (id is { } value)
        {
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", value));
        }
        AddClock(command, at, lifetime);
        return await ReadAsync(command, cancellationToken);
    }

    private async Task<ChangeRequest?> DecideAsync(Guid id, ChangeRequestStatus status, string decidedBy, string? note,
        DateTimeOffset at, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(decidedBy);
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE platform.change_requests
               SET status = @status, decided_by = @decided_by, decided_at = @at, decision_note = @note
             WHERE id = @id AND {Live} AND requested_by <> @decided_by
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        command.Parameters.Add(new NpgsqlParameter<string>("status", ChangeRequestText.Of(status)));
        command.Parameters.Add(new NpgsqlParameter<string>("decided_by", decidedBy));
        command.Parameters.Add(new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = (object?)note ?? DBNull.Value });
        AddClock(command, at, lifetime);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    private static void AddClock(NpgsqlCommand command, DateTimeOffset at, TimeSpan lifetime)
    {
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("at", at));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("stale_before", at - lifetime));
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..999] + "…";

    private static async Task<List<ChangeRequest>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<ChangeRequest>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!ChangeRequestText.TryParseKind(reader.GetString(1), out var kind) || !ChangeRequestText.TryParseStatus(reader.GetString(8), out var status))
            {
                throw new InvalidDataException($"Change request {reader.GetGuid(0)} has an unknown kind or status.");
            }
            result.Add(new ChangeRequest(
                reader.GetGuid(0),
                kind,
                reader.IsDBNull(2) ? null : reader.GetString(2),
                JsonSerializer.Deserialize<ChangeRequestPayload>(reader.GetString(3), QuotaJson.Options) ?? ChangeRequestPayload.Empty,
                reader.GetString(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                status,
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }
        return result;
    }
}
