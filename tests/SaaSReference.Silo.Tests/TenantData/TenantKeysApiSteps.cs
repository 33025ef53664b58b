using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.TenantData;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>Tenants and tenant admins the tenant key API tests share.</summary>
internal static class TenantKeysApiSteps
{
    public static string Admin(SecuredSiloFactory factory, string tenantId, string subject) =>
        factory.Tokens.Mint(new() { ["sub"] = subject, ["tenant_id"] = tenantId, ["role"] = new[] { "tenant-admin" } });

    public static string NewTenant(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<TenantStorageLocation> CreateProvisionedTenantAsync(SecuredSiloFactory factory, string tenantId)
    {
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice")))
        {
            using var created = await CreateAsync(operatorHttp, tenantId);
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        // Idempotent: completes the storage (schema and first data key) if tenant creation did not already.
        var regions = factory.Services.GetRequiredService<TenantRegions>();
        return await factory.Services.GetRequiredService<TenantStorageProvisioner>().ProvisionAsync(tenantId, regions.DefaultRegion, "op-alice");
    }
}
