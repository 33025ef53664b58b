using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Audit;

/// <summary>
/// 12.4.3a/b: the grain call filter records writes with tenant and actor though no business code calls it;
/// 12.4.2b, 9.4.4e: a tenant admin reads only its own tenant's records; 9.4.4b: staff queries are recorded;
/// bad query input is answered with problem details naming the parameter.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class AuditApiTests(SecuredSiloFactory factory)
{
    private static string NewTenant(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private string TenantAdmin(string tenantId, string subject) =>
        factory.Tokens.Mint(new() { ["sub"] = subject, ["tenant_id"] = tenantId, ["role"] = new[] { "tenant-admin" } });

    private async Task CreateTenantWithRecordAsync(string tenantId, string writer)
    {
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice")))
        {
            using var created = await CreateAsync(operatorHttp, tenantId);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var collection = await operatorHttp.PutAsync($"/api/tenants/{tenantId}/collections/notes", Json("""{"classification":"internal"}"""));
            Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        }
        using var tenantHttp = factory.CreateBearerClient(factory.Tokens.TenantUser(tenantId, writer));
        using var put = await tenantHttp.PutAsync($"/api/tenants/{tenantId}/records/notes/n1", Json("""{"text":"hello"}"""));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await factory.Services.GetRequiredService<AuditWriter>().FlushAsync();
    }

    private async Task<IReadOnlyList<AuditRecord>> StoredAsync(string? tenantId, string type)
    {
        var now = DateTimeOffset.UtcNow;
        var page = await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(tenantId, type, null, now.AddHours(-1), now.AddMinutes(1), 500, null));
        return page.Records;
    }

    [Fact]
    public async Task GrainFilter_RecordWritten_RecordedWithTenantAndActor()
    {
        var tenant = NewTenant("filter");
        await CreateTenantWithRecordAsync(tenant, "user-writer");

        var write = Assert.Single(await StoredAsync(tenant, AuditEventTypes.GrainStateChanged.Name));
        Assert.Equal(("user-writer", $"tenant:{tenant}", "success", "PutAsync"), (write.Actor, write.Chain, write.Outcome, write.Fields["method"]));
        var created = await StoredAsync(tenant, AuditEventTypes.GrainPrivilegedCall.Name);
        Assert.Contains(created, r => r.Actor == "op-alice" && r.Fields["method"] == "CreateAsync");
    }

    [Fact]
    public async Task TenantAudit_TenantAdmin_SeesOnlyOwnTenant()
    {
        var a = NewTenant("audit-a");
        var b = NewTenant("audit-b");
        await CreateTenantWithRecordAsync(a, "user-a");
        await CreateTenantWithRecordAsync(b, "user-b");
        using var adminA = factory.CreateBearerClient(TenantAdmin(a, "admin-a"));

        var own = await adminA.GetFromJsonAsync<JsonElement>($"/api/tenants/{a}/audit?limit=500");
        using var other = await adminA.GetAsync($"/api/tenants/{b}/audit");
        using var crossTenant = await adminA.GetAsync("/api/audit");
        using var plainUser = await factory.CreateBearerClient(factory.Tokens.TenantUser(a, "user-a")).GetAsync($"/api/tenants/{a}/audit");

        var records = own.GetProperty("records").EnumerateArray().ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Equal(a, r.GetProperty("tenantId").GetString()));
        await IsProblemAsync(other, HttpStatusCode.Forbidden);
        await IsProblemAsync(crossTenant, HttpStatusCode.Forbidden);
        await IsProblemAsync(plainUser, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task StaffQuery_Auditor_IsItselfAudited()
    {
        var tenant = NewTenant("staff");
        await CreateTenantWithRecordAsync(tenant, "user-s");
        using var auditor = factory.CreateBearerClient(factory.Tokens.Operator("aud-carol", "auditor"));

        var page = await auditor.GetFromJsonAsync<JsonElement>($"/api/audit?tenant={tenant}&type=grain.state-changed");

        Assert.Single(page.GetProperty("records").EnumerateArray());
        var queries = await StoredAsync(null, AuditEventTypes.AuditQueried.Name);
        Assert.Contains(queries, r => r.Actor == "aud-carol" && r.Chain == "platform" && r.Fields["filters"].Contains(tenant, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_OperatorOnIntactChain_Intact()
    {
        var tenant = NewTenant("verify");
        await CreateTenantWithRecordAsync(tenant, "user-v");
        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice"));

        var result = await operatorHttp.GetFromJsonAsync<JsonElement>($"/api/audit/verify?chain=tenant:{tenant}");

        Assert.True(result.GetProperty("intact").GetBoolean(), result.ToString());
        Assert.True(result.GetProperty("recordsChecked").GetInt64() >= 2);
    }

    [Theory]
    [InlineData("/api/audit?limit=0", "limit")]
    [InlineData("/api/audit?limit=5000", "limit")]
    [InlineData("/api/audit?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to")]
    [InlineData("/api/audit?cursor=%21%21bad", "cursor")]
    [InlineData("/api/audit?colour=red", "colour")]
    [InlineData("/api/audit?limit=1&limit=2", "limit")]
    [InlineData("/api/audit/verify?chain=tenant:NOPE", "chain")]
    [InlineData("/api/audit/verify", "chain")]
    public async Task Query_BadInput_ProblemNamesParameter(string url, string parameter)
    {
        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice"));

        using var response = await operatorHttp.GetAsync(url);

        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }
}
