using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>
/// 9.4.4e, 9.5.1c: on the real tenant route a tenant's token reads its own tenant and never another one;
/// a tenant's users cannot create or list tenants; operators read any tenant.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantRouteAccessTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task GetTenant_OwnTenantToken_Returns200_OtherTenantReturns403()
    {
        var own = "own-" + Guid.NewGuid().ToString("N")[..8];
        var other = "other-" + Guid.NewGuid().ToString("N")[..8];
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator()))
        {
            foreach (var id in new[] { own, other })
            {
                using var created = await CreateAsync(operatorHttp, id);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }
            using var anyTenant = await operatorHttp.GetAsync($"/api/tenants/{other}");
            Assert.Equal(HttpStatusCode.OK, anyTenant.StatusCode);
        }

        using var tenantHttp = factory.CreateBearerClient(factory.Tokens.TenantUser(own));
        var mine = await tenantHttp.GetFromJsonAsync<JsonElement>($"/api/tenants/{own}");
        Assert.Equal(own, mine.GetProperty("id").GetString());

        using var theirs = await tenantHttp.GetAsync($"/api/tenants/{other}");
        var problem = await IsProblemAsync(theirs, HttpStatusCode.Forbidden);
        Assert.DoesNotContain(other, problem.ToString(), StringComparison.Ordinal);

        using var list = await tenantHttp.GetAsync("/api/tenants");
        await IsProblemAsync(list, HttpStatusCode.Forbidden);
        using var create = await CreateAsync(tenantHttp, "sneaky-" + Guid.NewGuid().ToString("N")[..6]);
        await IsProblemAsync(create, HttpStatusCode.Forbidden);
    }
}
