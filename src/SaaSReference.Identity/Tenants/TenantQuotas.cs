using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.OpenIddict;

namespace SaaSReference.Identity.Tenants;

/// <summary>
/// 12.1.3c: the count limits the identity service enforces for a tenant, its users and its machine clients
/// (<c>QuotaLimits.Users</c>, <c>QuotaLimits.MachineClients</c> of its plan with its overrides). Counted in the
/// identity tables at the moment of creation.
/// </summary>
public sealed class TenantQuotas(TenantStandings standings, NpgsqlDataSource dataSource, ISecurityEventSink events)
{
    /// <summary>The problem type of a refusal for a full quota (RFC 9457 <c>type</c>).</summary>
    public const string ProblemType = "https://saasreference.local/problems/quota-exceeded";

    public const string Users = "users";
    public const string MachineClients = "machine-clients";

    /// <summary>The machine clients registered for <paramref name="tenantId"/> (the tenant recorded with each application).</summary>
    public async Task<int> CountMachineClientsAsync(string tenantId, CancellationToken cancellationToken)
    {
        // OpenIddict stores an application's properties as JSON text; a machine client's tenant is one of them.
        await using var command = dataSource.CreateCommand(
            $"""SELECT count(*) FROM identity."OpenIddictApplications" WHERE ("Properties"::jsonb ->> '{PlatformScopes.TenantIdProperty}') = $1""");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Null when <paramref name="tenantId"/> may have one machine client more; otherwise what is full.</summary>
    public async Task<QuotaExceededError?> CheckMachineClientsAsync(string tenantId, CancellationToken cancellationToken)
    {
        var limit = (await standings.LimitsAsync(tenantId, cancellationToken)).MachineClients;
        var used = await CountMachineClientsAsync(tenantId, cancellationToken);
        return used >= limit ? QuotaExceededError.For(MachineClients, tenantId, limit, used) : null;
    }

    /// <summary>Raises <see cref="SecurityEventTypes.TenantQuotaExceeded"/> for a refused creation.</summary>
    public ValueTask ReportAsync(string tenantId, QuotaExceededError exceeded, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exceeded);
        return events.RaiseAsync(new SecurityEvent(SecurityEventTypes.TenantQuotaExceeded, null, tenantId, null, SecurityEventOutcomes.Failure,
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["quota"] = exceeded.Quota,
                ["limit"] = exceeded.Limit.ToString(CultureInfo.InvariantCulture),
                ["used"] = exceeded.Used.ToString(CultureInfo.InvariantCulture),
                ["by"] = by,
            }), cancellationToken);
    }
}

/// <summary>A creation refused because the tenant already has as many of <see cref="Quota"/> as its limits allow (12.1.3c).</summary>
public sealed class QuotaExceededError : IdentityError
{
    public const string ErrorCode = "TenantQuotaExceeded";

    /// <summary><see cref="TenantQuotas.Users"/> or <see cref="TenantQuotas.MachineClients"/>.</summary>
    public required string Quota { get; init; }

    public required int Limit { get; init; }

    public required int Used { get; init; }

    public static QuotaExceededError For(string quota, string tenantId, int limit, int used) => new()
    {
        Code = ErrorCode,
        Quota = quota,
        Limit = limit,
        Used = used,
        Description = string.Create(CultureInfo.InvariantCulture,
            $"Tenant {tenantId} has {used} {(quota == TenantQuotas.Users ? "users" : "machine clients")}; its plan allows {limit}. Remove one, or ask for a higher limit."),
    };
}
