using Npgsql;

namespace SaaSReference.Database.Quotas;

/// <summary>Requests refused for one tenant's limits in one window (<c>platform.limit_rejections</c>).</summary>
public sealed record LimitRejectionWindow(string TenantId, DateTimeOffset WindowStart, long Rejected);

/// <summary>
/// The abuse policy's input (12.1.3c): gateways add their refusals per tenant and window; the abuse monitor reads
/// the windows that have closed, judges them, and deletes them.
/// </summary>
public sealed class LimitRejectionStore(NpgsqlDataSource dataSource)
{
    /// <summary>Adds <paramref name="rejected"/> to a tenant's window.</summary>
    public Task AddAsync(string tenantId, DateTimeOffset windowStart, long rejected, CancellationToken cancellationToken = default) =>
        AddAsync([new LimitRejectionWindow(tenantId, windowStart, rejected)], cancellationToken);

    /// <summary>
    /// Adds each count to its tenant's window in one statement (gateways, every second). The addition happens in the
    /// database, so any number of gateway instances add to the same rows without losing a count.
    /// </summary>
    public async Task AddAsync(IReadOnlyCollection<LimitRejectionWindow> counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO platform.limit_rejections (tenant_id, window_start, rejected)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])
            ON CONFLICT (tenant_id, window_start) DO UPDATE SET rejected = platform.limit_rejections.rejected + EXCLUDED.rejected
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. counts.Select(c => c.TenantId)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. counts.Select(c => c.WindowStart)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. counts.Select(c => c.Rejected)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Windows that started before <paramref name="closedBefore"/>, oldest first.</summary>
    public async Task<IReadOnlyList<LimitRejectionWindow>> ClosedAsync(DateTimeOffset closedBefore, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT tenant_id, window_start, rejected FROM platform.limit_rejections WHERE window_start < $1 ORDER BY window_start, tenant_id LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = closedBefore });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var result = new List<LimitRejectionWindow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new LimitRejectionWindow(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2)));
        }
        return result;
    }

    /// <summary>Removes a judged window.</summary>
    public async Task DeleteAsync(string tenantId, DateTimeOffset windowStart, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM platform.limit_rejections WHERE tenant_id = $1 AND window_start = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = windowStart });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The start of the window that holds <paramref name="at"/>: windows are aligned to the Unix epoch.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset at, TimeSpan window)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        }
        var ticks = (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / window.Ticks * window.Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(ticks);
    }
}
