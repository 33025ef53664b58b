using Npgsql;

namespace SaaSReference.Identity.Account;

/// <summary>
/// Whether a tenant requires MFA of all its users (9.2.3a), from <c>identity.tenant_policies</c>
/// (infra/postgres/0008_identity_tenant_policies.sql). No row means the platform default: MFA for privileged
/// roles only. A database error is not read as "not required": it propagates and the sign-in fails.
/// The one place of the table's SQL: the sign-in reads it here, the tenant policy API reads and sets it here.
/// </summary>
public sealed class TenantMfaPolicy(NpgsqlDataSource dataSource)
{
    private const string RequiresSql = "SELECT require_mfa FROM identity.tenant_policies WHERE tenant_id = $1";

    private const string GetSql = "SELECT require_mfa, updated_at, updated_by FROM identity.tenant_policies WHERE tenant_id = $1";

    // Both in one transaction: the row lock is held until the upsert has committed, so the value reported as the
    // previous one is the one this write replaced (two writers of one tenant queue up). Only two first-ever writes of
    // one tenant racing (no row to lock yet) can both report the default as previous.
    private const string LockPreviousSql = "SELECT require_mfa FROM identity.tenant_policies WHERE tenant_id = $1 FOR UPDATE";

    private const string UpsertSql =
        "INSERT INTO identity.tenant_policies (tenant_id, require_mfa, updated_at, updated_by) VALUES ($1, $2, now(), $3) " +
        "ON CONFLICT (tenant_id) DO UPDATE SET require_mfa = EXCLUDED.require_mfa, updated_at = EXCLUDED.updated_at, " +
        "updated_by = EXCLUDED.updated_by " +
        "RETURNING require_mfa, updated_at, updated_by";

    public async Task<bool> RequiresMfaAsync(string tenantId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var command = dataSource.CreateCommand(RequiresSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>The tenant's stored policy, or the platform default (no MFA for everyone, never set) without a row.</summary>
    public async Task<TenantSignInPolicy> GetAsync(string tenantId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var command = dataSource.CreateCommand(GetSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(tenantId, reader) : TenantSignInPolicy.Default(tenantId);
    }

    /// <summary>Stores whether <paramref name="tenantId"/> requires MFA of all its users, as set by <paramref name="updatedBy"/>.</summary>
    public async Task<TenantSignInPolicyChange> SetAsync(string tenantId, bool requireMfa, string updatedBy, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(updatedBy);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var previous = new NpgsqlBatchCommand(LockPreviousSql);
        previous.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        batch.BatchCommands.Add(previous);
        var upsert = new NpgsqlBatchCommand(UpsertSql);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        upsert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = requireMfa });
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = updatedBy });
        batch.BatchCommands.Add(upsert);

        TenantSignInPolicyChange change;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            // No row before: the platform default was in force.
            var before = await reader.ReadAsync(ct) && reader.GetBoolean(0);
            if (!await reader.NextResultAsync(ct) || !await reader.ReadAsync(ct))
            {
                throw new InvalidOperationException("The tenant policy upsert returned no row.");
            }
            change = new TenantSignInPolicyChange(before, Read(tenantId, reader));
        }
        await transaction.CommitAsync(ct);
        return change;
    }

    private static TenantSignInPolicy Read(string tenantId, NpgsqlDataReader reader) =>
        new(tenantId, reader.GetBoolean(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
}

/// <summary>A tenant's sign-in policy (9.2.3a), as stored and as the tenant policy API shows it.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="RequireMfa">Whether every user of the tenant must pass MFA, not only its privileged ones.</param>
/// <param name="UpdatedAt">When it was last set; null when it never was (the platform default).</param>
/// <param name="UpdatedBy">The subject of whoever set it last; null when nobody ever did.</param>
public sealed record TenantSignInPolicy(string TenantId, bool RequireMfa, DateTimeOffset? UpdatedAt, string? UpdatedBy)
{
    /// <summary>The platform default of a tenant without a row: MFA for privileged roles only.</summary>
    public static TenantSignInPolicy Default(string tenantId) => new(tenantId, false, null, null);
}

/// <summary>The result of a set: the value in force before (false when there was no row) and the stored policy.</summary>
public sealed record TenantSignInPolicyChange(bool PreviousRequireMfa, TenantSignInPolicy Policy);
