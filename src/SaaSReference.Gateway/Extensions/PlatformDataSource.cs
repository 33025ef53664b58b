using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace SaaSReference.Gateway.Extensions;

internal static class PlatformDataSource
{
    /// <summary>
    /// One <see cref="NpgsqlDataSource"/> (one connection pool) for everything the gateway keeps in PostgreSQL:
    /// sessions, tenant standings, refusal counts, signing keys. False when no <c>ConnectionStrings:platform</c> is set.
    /// </summary>
    public static bool AddPlatformDataSource(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("platform");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        return true;
    }
}
