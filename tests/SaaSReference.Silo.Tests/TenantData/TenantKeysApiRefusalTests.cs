using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Silo.Tests.Security;
using SaaSReference.Silo.TenantData;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantKeysApiSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 10.1.2b: who may not touch a tenant's data key, and how refusals are answered: an operator reads but never changes it;
/// another tenant's admin is refused and learns nothing (9.4.4e); bad input is problem details; a revoked key is answered
/// with its own problem type.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantKeysApiRefusalTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task OtherTenantsAdmin_MembersAndOperators_CannotChangeTheKey_AndStrangersLearnNothing()
    {
        var tenant = NewTenant("keysa");
        var stranger = NewTenant("keysb");
        await CreateProvisionedTenantAsync(factory, tenant);
        await CreateProvisionedTenantAsync(factory, stranger);
        using var strangerAdmin = factory.CreateBearerClient(Admin(factory, stranger, "admin-stranger"));
        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant, "user-member"));
        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice"));
        using var anonymous = factory.CreateClient();

        // 9.4.4e: another tenant's admin is answered as if there were nothing (404); the tenant's own member is refused (403).
        foreach (var (http, expected) in new[] { (strangerAdmin, HttpStatusCode.NotFound), (member, HttpStatusCode.Forbidden) })
        {
            foreach (var response in await ActsAsync(http, tenant, includeRead: true))
            {
                using (response)
                {
                    var problem = await IsProblemAsync(response, expected);
                    Assert.DoesNotContain(tenant, problem.ToString(), StringComparison.Ordinal);
                    Assert.DoesNotContain("version", problem.ToString(), StringComparison.OrdinalIgnoreCase);
                }
            }
        }
        // Operators see the key's metadata (support) but never lock a customer out of its data nor lift its revocation.
        using (var read = await operatorHttp.GetAsync($"/api/tenants/{tenant}/keys"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        foreach (var response in await ActsAsync(operatorHttp, tenant, includeRead: false))
        {
            using (response)
            {
                await IsProblemAsync(response, HttpStatusCode.Forbidden);
            }
        }
        foreach (var response in await ActsAsync(anonymous, tenant, includeRead: true))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }

        var status = await factory.Services.GetRequiredService<TenantKeyStore>().GetAsync(tenant);
        Assert.Equal((1, false), (status!.Current!.Version, status.Revoked));
    }

    [Fact]
    public async Task BadInput_AndUnknownTenants_AreProblemDetails()
    {
        var tenant = NewTenant("keysbad");
        await CreateProvisionedTenantAsync(factory, tenant);
        using var admin = factory.CreateBearerClient(Admin(factory, tenant, "admin-bad"));
        var revoke = $"/api/tenants/{tenant}/keys/revoke";

        using (var empty = await admin.PostAsync(revoke, null))
        {
            await IsProblemAsync(empty, HttpStatusCode.BadRequest);
        }
        using (var blank = await admin.PostAsync(revoke, Json("""{"reason":"   "}""")))
        {
            Assert.True((await IsProblemAsync(blank, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("reason", out _));
        }
        using (var tooLong = await admin.PostAsync(revoke, Json(JsonSerializer.Serialize(new { reason = new string('x', 501) }))))
        {
            Assert.True((await IsProblemAsync(tooLong, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("reason", out _));
        }
        using (var unknownMember = await admin.PostAsync(revoke, Json("""{"reason":"x","key":"AAAA"}""")))
        {
            await IsProblemAsync(unknownMember, HttpStatusCode.BadRequest);
        }
        using (var malformed = await admin.PostAsync(revoke, Json("""{"reason":""")))
        {
            await IsProblemAsync(malformed, HttpStatusCode.BadRequest);
        }
        using (var notJson = await admin.PostAsync(revoke, new StringContent("reason=x", Encoding.UTF8, "application/x-www-form-urlencoded")))
        {
            await IsProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType);
        }
        Assert.False((await factory.Services.GetRequiredService<TenantKeyStore>().GetAsync(tenant))!.Revoked);

        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice"));
        using (var unknown = await operatorHttp.GetAsync($"/api/tenants/{NewTenant("nobody")}/keys"))
        {
            Assert.Equal(TenantKeyProblems.MissingType, (await IsProblemAsync(unknown, HttpStatusCode.NotFound)).GetProperty("type").GetString());
        }
        using (var badId = await operatorHttp.GetAsync("/api/tenants/Not_A_Tenant/keys"))
        {
            await IsProblemAsync(badId, HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public void KeyProblems_NameTheReason_WithTheirOwnType()
    {
        var revoked = TenantKeyProblems.From(new TenantKeyUnavailableException("acme", TenantKeyUnavailableReason.Revoked, "internal text"));
        var destroyed = TenantKeyProblems.From(new TenantKeyUnavailableException("acme", TenantKeyUnavailableReason.Destroyed, "internal text"));
        var missing = TenantKeyProblems.From(new TenantKeyUnavailableException("acme", TenantKeyUnavailableReason.Missing, "internal text"));

        Assert.Equal((423, "https://saasreference.local/problems/tenant-key-revoked"), (revoked.StatusCode, revoked.ProblemDetails.Type));
        Assert.Equal((410, TenantKeyProblems.DestroyedType), (destroyed.StatusCode, destroyed.ProblemDetails.Type));
        Assert.Equal((404, TenantKeyProblems.MissingType), (missing.StatusCode, missing.ProblemDetails.Type));
        Assert.All(new ProblemHttpResult[] { revoked, destroyed, missing },
            problem => Assert.DoesNotContain("internal text", problem.ProblemDetails.Detail, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage[]> ActsAsync(HttpClient http, string tenant, bool includeRead)
    {
        var responses = new List<HttpResponseMessage>
        {
            await http.PostAsync($"/api/tenants/{tenant}/keys/rotate", null),
            await http.PostAsync($"/api/tenants/{tenant}/keys/revoke", Json("""{"reason":"hostile"}""")),
            await http.PostAsync($"/api/tenants/{tenant}/keys/reinstate", null),
        };
        if (includeRead)
        {
            responses.Add(await http.GetAsync($"/api/tenants/{tenant}/keys"));
        }
        return [.. responses];
    }
}
