using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData;

public static class TenantKeyServiceExtensions
{
    /// <summary>
    /// The tenants' data keys (10.1.2b; docs/tenant-keys.md): the key provider (the local file provider of section
    /// <c>TenantKeys:Local</c>, unless another <see cref="ITenantKeyProvider"/>, a cloud KMS, was registered before), the
    /// metadata store, the keyring every data path uses (a hosted service that listens for revocations), the manager, the
    /// re-encryptor, and the provisioning step that gives each new tenant its first key. Register with
    /// <c>AddTenantStorage</c>; needs the platform's <c>NpgsqlDataSource</c>, a <see cref="TimeProvider"/> and an
    /// <c>IAuditTrail</c>.
    /// </summary>
    public static IServiceCollection AddTenantKeys(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.Configure<TenantKeyOptions>(configuration.GetSection(TenantKeyOptions.Section));
        services.Configure<LocalFileKeyProviderOptions>(configuration.GetSection(LocalFileKeyProviderOptions.Section));
        services.TryAddSingleton<ITenantKeyProvider, LocalFileKeyProvider>();
        services.TryAddSingleton<TenantKeyStore>();
        services.TryAddSingleton<TenantKeyring>();
        services.TryAddSingleton<ITenantKeyring>(provider => provider.GetRequiredService<TenantKeyring>());
        services.AddHostedService(provider => provider.GetRequiredService<TenantKeyring>());
        services.TryAddSingleton<TenantKeyManager>();
        services.TryAddSingleton<TenantDataReencryptor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITenantProvisioningStep, TenantKeyProvisioningStep>());
        return services;
    }
}
