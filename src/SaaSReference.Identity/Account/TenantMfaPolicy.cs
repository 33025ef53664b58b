using Npgsql;

namespace SaaSReference.Identity.Account;

/// <summary>
/// Whether a tenant requires MFA of all its users (9.2.3a), from <c>identity.tenant_policies</c>
/// (infra/postgres/0008_identity_tenant_policies.sql). No row means the platform default: MFA for privileged
/// roles only. A database error is not read as "not required": it propagates and the sign-in fails.
/// </summary>
public sealed class TenantMfaPolicy(NpgsqlDataSource dataSource)
{
    private const string Sql = "SELECT require_mfa FROM identity.tenant_policies WHERE tenant_id = $1";

    public async Task<bool> RequiresMfaAsync(string tenantId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return await command.ExecuteScalarAsync(ct) is true;
    }
}
