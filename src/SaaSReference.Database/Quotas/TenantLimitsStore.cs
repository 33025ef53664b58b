using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Database.Quotas;

/// <summary>
/// <c>platform.tenant_limits</c>: each tenant's standing, written by its grain and read by every gateway and silo
/// (through <see cref="PlatformLimitsWatcher"/>) and by the identity service at sign-in.
/// </summary>
public sealed class TenantLimitsStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "tenant_id, status, reason, plan, overrides, revision";

    /// <summary>Writes the standing unless a newer revision is stored already. Safe to repeat.</summary>
    public async Task UpsertAsync(TenantStanding standing, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(standing);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO platform.tenant_limits (tenant_id, status, reason, plan, overrides, revision, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (tenant_id) DO UPDATE
               SET status = EXCLUDED.status, reason = EXCLUDED.reason, plan = EXCLUDED.plan, overrides = EXCLUDED.overrides,
                   revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
             WHERE platform.tenant_limits.revision <= EXCLUDED.revision
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = standing.TenantId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text(standing.Status) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Text(standing.Reason) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = standing.Plan });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(standing.Overrides, QuotaJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = standing.Revision });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<TenantStanding?> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM platform.tenant_limits WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<TenantStanding>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM platform.tenant_limits");
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<List<TenantStanding>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<TenantStanding>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new TenantStanding(
                reader.GetString(0),
                Enum.Parse<TenantStatus>(reader.GetString(1), ignoreCase: true),
                Enum.Parse<StatusReason>(reader.GetString(2).Replace("-", "", StringComparison.Ordinal), ignoreCase: true),
                reader.GetString(3),
                JsonSerializer.Deserialize<QuotaOverrides>(reader.GetString(4), QuotaJson.Options) ?? QuotaOverrides.None,
                reader.GetInt64(5)));
        }
        return result;
    }

    /// <summary>The stored spelling of a status or reason: lower-case, words joined by hyphens.</summary>
    public static string Text<T>(T value) where T : struct, Enum =>
        JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
