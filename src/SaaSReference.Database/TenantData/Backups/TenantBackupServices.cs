using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SaaSReference.Database.TenantData.Backups;

public static class TenantBackupServiceExtensions
{
    /// <summary>
    /// Tenant and platform backups (sections <c>TenantBackups</c> and <c>PlatformBackups</c>): the catalogue, the backup
    /// and restore service, platform backups and the (configurable, off by default) scheduler. Register after
    /// <c>AddTenantStorage</c>; needs an <c>ITenantKeyring</c> and, for the scheduler, an <c>IAuditTrail</c>.
    /// </summary>
    public static IServiceCollection AddTenantBackupServices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<TenantBackupOptions>(configuration.GetSection(TenantBackupOptions.Section));
        services.Configure<PlatformBackupOptions>(configuration.GetSection(PlatformBackupOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TenantBackupCatalog>();
        services.TryAddSingleton<TenantBackupService>();
        services.TryAddSingleton<PlatformBackupService>();
        services.TryAddSingleton<TenantBackupScheduler>();
        services.AddHostedService(provider => provider.GetRequiredService<TenantBackupScheduler>());
        return services;
    }
}
