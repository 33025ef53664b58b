using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SaaSReference.Database.Quotas;

public static class QuotaServiceCollectionExtensions
{
    /// <summary>
    /// The quota stores and the watcher that keeps this instance's view of tenant standings and the platform
    /// configuration current. Needs an <see cref="Npgsql.NpgsqlDataSource"/> and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddPlatformLimits(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TenantLimitsStore>();
        services.TryAddSingleton<PlatformConfigurationStore>();
        services.TryAddSingleton<NotificationOutbox>();
        services.TryAddSingleton<LimitRejectionStore>();
        services.TryAddSingleton<PlatformLimitsWatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<PlatformLimitsWatcher>());
        return services;
    }
}
