using Orleans.Storage;
using SaaSReference.Database.TenantData;
using SaaSReference.Grains;
using SaaSReference.Grains.Quotas;

namespace SaaSReference.Silo.TenantData;

/// <summary>
/// The grain storage of tenant-scoped grains (<see cref="StorageNames.Tenant"/>): routes each grain's state to the ADO.NET
/// provider of its tenant's region, whose queries write it into that tenant's own schema (infra/postgres/region). One
/// provider and one connection pool per region serve every tenant of it (8.2.3a, 9.5.1c).
/// </summary>
public sealed class TenantGrainStorage(IServiceProvider services, TenantStorageLocator locator) : IGrainStorage
{
    /// <summary>The name of a region's ADO.NET provider.</summary>
    public static string ProviderOf(string region) => "tenant-" + region;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        await (await ProviderAsync(grainId)).ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        await (await ProviderAsync(grainId)).WriteStateAsync(stateName, grainId, grainState);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        await (await ProviderAsync(grainId)).ClearStateAsync(stateName, grainId, grainState);

    private async Task<IGrainStorage> ProviderAsync(GrainId grainId)
    {
        var tenantId = TenantQuotaCallFilter.TenantOf(grainId);
        var location = await locator.GetAsync(tenantId)
            ?? throw new TenantStorageUnavailableException(tenantId);
        return services.GetRequiredKeyedService<IGrainStorage>(ProviderOf(location.Region));
    }
}
