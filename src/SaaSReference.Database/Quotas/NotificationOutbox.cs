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

    /// <summary>
    /// Hands up to <paramref name="limit"/> undelivered notifications (tried fewer than <paramref name="maxAttempts"/>
    /// times) to <paramref name="deliver"/> and records each attempt. The rows are locked meanwhile and skipped by
    /// other silos doing the same, so each notification is sent by one silo at a time. Returns how many were delivered.
    /// </summary>
    public async Task<int> DeliverPendingAsync(Func<OutboxNotification, CancellationToken, Task<bool>> deliver, int limit, int maxAttempts,
        TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        ArgumentNullException.ThrowIfNull(time);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        IReadOnlyList<OutboxNotification> pending;
        await using (var select = new NpgsqlCommand(
            $"SELECT {Columns} FROM platform.notification_outbox WHERE delivered_at IS NULL AND attempts < $2 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxAttempts });
            pending = await ReadAsync(select, cancellationToken);
        }
        var delivered = 0;
        foreach (var notification in pending)
        {
            var ok = await deliver(notification, cancellationToken);
            delivered += ok ? 1 : 0;
            await using var update = new NpgsqlCommand(
                "UPDATE platform.notification_outbox SET attempts = attempts + 1, delivered_at = CASE WHEN $2 THEN $3 ELSE delivered_at END WHERE id = $1",
                connection, transaction);
            update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = notification.Id });
            update.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = ok });
            update.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return delivered;
    }

    /// <summary>
    /// The e-mail addresses of a tenant's administrators, read from the identity service's user store (same
    /// database, read only): who a tenant's notifications go to.
    /// </summary>
    public async Task<IReadOnlyList<string>> TenantAdminEmailsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT u."Email" FROM identity."AspNetUsers" u
              JOIN identity."AspNetUserRoles" ur ON ur."UserId" = u."Id"
              JOIN identity."AspNetRoles" r ON r."Id" = ur."RoleId"
             WHERE u."TenantId" = $1 AND r."Name" = 'tenant-admin' AND u."Email" IS NOT NULL
             ORDER BY u."Email"
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }
        return result;
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
