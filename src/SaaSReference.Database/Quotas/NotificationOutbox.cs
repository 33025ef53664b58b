using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace SaaSReference.Database.Quotas;

/// <summary>Who a notification is for.</summary>
public enum NotificationAudience
{
    TenantAdmins,
    Operators,
}

/// <summary>One notification in <c>platform.notification_outbox</c>.</summary>
public sealed record OutboxNotification(long Id, string? TenantId, string Audience, string Kind, string Subject, string Body,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, int Attempts);

/// <summary>
/// Notifications to a tenant's admins and to the operators (a tenant throttled or frozen, 12.1.3c, 12.2.1b),
/// written when the change they report is made; a dispatcher delivers them.
/// </summary>
public sealed class NotificationOutbox(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, tenant_id, audience, kind, subject, body, created_at, delivered_at, attempts";

    public async Task EnqueueAsync(string? tenantId, NotificationAudience audience, string kind, string subject, object body, DateTimeOffset at,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO platform.notification_outbox (tenant_id, audience, kind, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = audience == NotificationAudience.TenantAdmins ? "tenant-admins" : "operators" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subject });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(body, QuotaJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A tenant's notifications (or, with null, the platform's), newest first.</summary>
    public async Task<IReadOnlyList<OutboxNotification>> ListAsync(string? tenantId, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM platform.notification_outbox WHERE tenant_id IS NOT DISTINCT FROM $1 ORDER BY id DESC LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenantId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Undelivered notifications, oldest first, that have been tried fewer than <paramref name="maxAttempts"/> times.</summary>
    public async Task<IReadOnlyList<OutboxNotification>> PendingAsync(int limit, int maxAttempts, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM platform.notification_outbox WHERE delivered_at IS NULL AND attempts < $2 ORDER BY id LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Records one delivery attempt; delivered when <paramref name="delivered"/>.</summary>
    public async Task RecordAttemptAsync(long id, bool delivered, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE platform.notification_outbox SET attempts = attempts + 1, delivered_at = CASE WHEN $2 THEN $3 ELSE delivered_at END WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = delivered });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<OutboxNotification>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<OutboxNotification>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new OutboxNotification(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8)));
        }
        return result;
    }
}
