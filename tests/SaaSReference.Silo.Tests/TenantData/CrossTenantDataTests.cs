using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 9.4.4e, 9.5.1c: a tenant's admin, holding every admin function of their own tenant, reaches nothing of another
/// tenant's data: every data route with the other tenant's ids answers 404, exactly like an id that does not exist, and
/// the answer carries none of the other tenant's data; nothing of the other tenant changes.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class CrossTenantDataTests(SecuredSiloFactory factory)
{
    private const string Marker = "VICTIM-SECRET-7d1e";

    /// <summary>Every data route of the victim, with the method and a body where one is needed.</summary>
    private static IEnumerable<(HttpMethod Method, string Path, object? Body)> Routes(string victim) =>
    [
        (HttpMethod.Get, $"/api/tenants/{victim}/collections", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/collections/vault", null),
        (HttpMethod.Put, $"/api/tenants/{victim}/collections/vault", new { classification = "public" }),
        (HttpMethod.Put, $"/api/tenants/{victim}/collections/new-one", new { classification = "public" }),
        (HttpMethod.Delete, $"/api/tenants/{victim}/collections/vault", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/records/vault", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/records/vault?field=code&equals={Marker}", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/records/vault/r1", null),
        (HttpMethod.Put, $"/api/tenants/{victim}/records/vault/r1", new { code = "overwritten" }),
        (HttpMethod.Put, $"/api/tenants/{victim}/records/vault/r2", new { code = "planted" }),
        (HttpMethod.Delete, $"/api/tenants/{victim}/records/vault/r1", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/files/vault", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/files/vault/f1", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/files/vault/f1/metadata", null),
        (HttpMethod.Put, $"/api/tenants/{victim}/files/vault/f1", "overwritten"),
        (HttpMethod.Delete, $"/api/tenants/{victim}/files/vault/f1", null),
        // 8.1.5a/b, 16.1.7a: the export, import and evidence archives (TenantExportApi).
        (HttpMethod.Get, $"/api/tenants/{victim}/export", null),
        (HttpMethod.Post, $"/api/tenants/{victim}/import", "overwritten"),
        (HttpMethod.Get, $"/api/tenants/{victim}/evidence", null),
        // 10.1.2b: the tenant's key-management tool; 12.3.1: its backups; 8.1.5d: its termination.
        (HttpMethod.Get, $"/api/tenants/{victim}/keys", null),
        (HttpMethod.Post, $"/api/tenants/{victim}/keys/rotate", null),
        (HttpMethod.Post, $"/api/tenants/{victim}/keys/revoke", new { reason = "hostile" }),
        (HttpMethod.Post, $"/api/tenants/{victim}/keys/reinstate", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/backups", null),
        (HttpMethod.Post, $"/api/tenants/{victim}/backups", null),
        (HttpMethod.Get, $"/api/tenants/{victim}/termination", null),
        (HttpMethod.Post, $"/api/tenants/{victim}/termination", new { reason = "hostile", confirmTenantId = victim }),
        (HttpMethod.Delete, $"/api/tenants/{victim}/termination", null),
    ];

    [Fact]
    public async Task AnotherTenantsAdmin_Gets404OnEveryDataRoute_AndChangesNothing()
    {
        var victim = await CreateTenantAsync(factory, "victim");
        var attacker = await CreateTenantAsync(factory, "attacker");
        using var victimAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(victim));
        await CreateCollectionAsync(victimAdmin, victim, "vault", "restricted");
        using (var put = await PutRecordAsync(victimAdmin, victim, "vault", "r1", new { code = Marker }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var file = await victimAdmin.PutAsync($"/api/tenants/{victim}/files/vault/f1", new StringContent(Marker, System.Text.Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.Created, file.StatusCode);
        }

        using var attackerAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(attacker));
        await CreateCollectionAsync(attackerAdmin, attacker, "vault", "public");
        foreach (var (method, path, body) in Routes(victim))
        {
            using var request = new HttpRequestMessage(method, path)
            {
                Content = body switch
                {
                    null => null,
                    string plain => new StringContent(plain, System.Text.Encoding.UTF8, "text/plain"),
                    _ => JsonContent.Create(body),
                },
            };
            using var response = await attackerAdmin.SendAsync(request);
            var problem = await IsProblemAsync(response, HttpStatusCode.NotFound);
            var text = problem.ToString();
            Assert.DoesNotContain(victim, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Marker, text, StringComparison.Ordinal);
        }

        // Nothing of the victim changed.
        var record = await victimAdmin.GetFromJsonAsync<JsonElement>($"/api/tenants/{victim}/records/vault/r1");
        Assert.Equal(Marker, record.GetProperty("data").GetProperty("code").GetString());
        Assert.Equal(1, record.GetProperty("version").GetInt64());
        var list = await victimAdmin.GetFromJsonAsync<JsonElement>($"/api/tenants/{victim}/records/vault");
        Assert.Equal(1, list.GetProperty("items").GetArrayLength());
        var collections = await victimAdmin.GetFromJsonAsync<JsonElement>($"/api/tenants/{victim}/collections");
        Assert.Equal(["vault"], collections.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(Marker, await victimAdmin.GetStringAsync($"/api/tenants/{victim}/files/vault/f1"));
        var vault = await victimAdmin.GetFromJsonAsync<JsonElement>($"/api/tenants/{victim}/collections/vault");
        Assert.Equal("restricted", vault.GetProperty("classification").GetString());
    }

    [Fact]
    public async Task ANonexistentTenant_AndAForeignOne_LookTheSame()
    {
        var attacker = await CreateTenantAsync(factory, "probe");
        var victim = await CreateTenantAsync(factory, "exists");
        using var attackerAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(attacker));
        using var existing = await attackerAdmin.GetAsync($"/api/tenants/{victim}/records/vault/r1");
        using var missing = await attackerAdmin.GetAsync($"/api/tenants/no-such-tenant-{Guid.NewGuid():N}"[..40] + "/records/vault/r1");
        Assert.Equal(HttpStatusCode.NotFound, existing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        static string Shown(JsonElement problem) =>
            string.Join("|", problem.EnumerateObject().Where(p => p.Name is not ("traceId" or "requestId")).Select(p => $"{p.Name}={p.Value}"));
        Assert.Equal(Shown(await IsProblemAsync(missing, HttpStatusCode.NotFound)), Shown(await IsProblemAsync(existing, HttpStatusCode.NotFound)));
    }
}
