using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SaaSReference.Database.TenantData;

/// <summary>Brings every region's database to this build's region schema when the host starts (after the platform database).</summary>
public sealed partial class TenantRegionMigrationService(TenantRegions regions, ILogger<TenantRegionMigrationService> logger) : IHostedService
{
    private static readonly TimeSpan PatienceForDatabase = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var region in regions.Names)
        {
            var deadline = DateTimeOffset.UtcNow + PatienceForDatabase;
            while (true)
            {
                try
                {
                    var result = await SchemaMigrator.MigrateRegionAsync(regions.ConnectionStringOf(region), logger, cancellationToken);
                    LogRegionReady(logger, region, result.VersionAfter);
                    break;
                }
                catch (NpgsqlException exception) when (exception.IsTransient && DateTimeOffset.UtcNow < deadline)
                {
                    LogWaiting(logger, region, exception.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant storage of region {Region} is at schema version {Version}.")]
    private static partial void LogRegionReady(ILogger logger, string region, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the database of region {Region}: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string region, string reason);
}

public static class TenantStorageServiceExtensions
{
    /// <summary>
    /// The region databases (section <c>TenantStorage</c>), their migration at start-up, the storage catalog, locator and
    /// provisioner. Register after <c>AddSchemaMigration</c>: the catalog lives in the platform database.
    /// </summary>
    public static IServiceCollection AddTenantStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<TenantStorageOptions>(configuration.GetSection(TenantStorageOptions.Section));
        services.AddSingleton<TenantRegions>();
        services.AddSingleton<TenantStorageCatalog>();
        services.AddSingleton<TenantStorageLocator>();
        services.AddSingleton<TenantStorageProvisioner>();
        services.AddSingleton<Records.TenantCollectionStore>();
        services.AddSingleton<Records.TenantRecordStore>();
        services.AddSingleton<Records.TenantFileStore>();
        services.AddHostedService<TenantRegionMigrationService>();
        return services;
    }
}
