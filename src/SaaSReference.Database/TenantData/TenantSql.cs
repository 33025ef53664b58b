using Npgsql;

namespace SaaSReference.Database.TenantData;

/// <summary>Shared rules of SQL against a tenant's schema.</summary>
public static class TenantSql
{
    /// <summary>A table of the tenant's own schema, quoted: every query names the tenant's schema explicitly.</summary>
    public static string Table(TenantStorageLocation location, string table)
    {
        ArgumentNullException.ThrowIfNull(location);
        return $"\"{location.SchemaName}\".{table}";
    }

    /// <summary>
    /// Runs work against the tenant's schema; a schema that no longer exists (the tenant was terminated since its location
    /// was cached) becomes <see cref="TenantStorageUnavailableException"/>, never a query against anything else.
    /// </summary>
    public static async Task<T> RunAsync<T>(TenantStorageLocation location, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            return await work();
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.UndefinedTable)
        {
            throw new TenantStorageUnavailableException(location.TenantId);
        }
    }
}
