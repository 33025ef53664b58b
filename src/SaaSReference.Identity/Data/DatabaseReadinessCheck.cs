using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace SaaSReference.Identity.Data;

/// <summary>
/// Ready only while PostgreSQL answers: without it this instance can neither sign anyone in nor issue a token,
/// and the gateway's health probes should send requests to the other instance (9.1.1a, 17.2.1a).
/// </summary>
public sealed class DatabaseReadinessCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", exception);
        }
    }
}
