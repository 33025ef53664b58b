using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Database.Audit.Export;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Audit;

/// <summary>
/// 12.4.2b: a tenant admin exports its own tenant's trail, staff export one privileged user's acts, as signed JSON
/// Lines that verify offline with the key the API publishes; each export is recorded before anything is sent
/// (12.4.3a); nobody exports another tenant's trail; bad input gets problem details naming the parameter.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class AuditExportApiTests(SecuredSiloFactory factory)
{
    private static string NewTenant(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private HttpClient TenantAdmin(string tenantId, string subject) =>
        factory.CreateBearerClient(factory.Tokens.Mint(new() { ["sub"] = subject, ["tenant_id"] = tenantId, ["role"] = new[] { "tenant-admin" } }));

    private async Task CreateTenantWithRecordsAsync(string tenantId, string operatorSubject)
    {
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator(operatorSubject)))
        {
            using var created = await CreateAsync(operatorHttp, tenantId);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var collection = await operatorHttp.PutAsync($"/api/tenants/{tenantId}/collections/notes", Json("""{"classification":"internal"}"""));
            Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        }
        using var tenantHttp = factory.CreateBearerClient(factory.Tokens.TenantUser(tenantId, "user-" + tenantId));
        for (var n = 0; n < 3; n++)
        {
            using var put = await tenantHttp.PutAsync($"/api/tenants/{tenantId}/records/notes/n{n}", Json("""{"text":"hello"}"""));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }
        await factory.Services.GetRequiredService<AuditWriter>().FlushAsync();
    }

    /// <summary>The platform's public key, as an auditor fetches it once, through the API.</summary>
    private async Task<AuditCheckpointKeys> PublishedKeyAsync(HttpClient http)
    {
        var keys = await http.GetFromJsonAsync<JsonElement>("/api/audit/keys");
        return new AuditCheckpointKeys(null, [Convert.FromBase64String(keys.GetProperty("signingPublicKey").GetString()!)]);
    }

    private static async Task<(AuditExportVerification Result, List<JsonElement> Records)> VerifyAsync(HttpResponseMessage response, AuditCheckpointKeys key)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(AuditExportFormat.MediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var result = await AuditExportVerifier.VerifyAsync(new MemoryStream(bytes), key);
        var records = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<JsonElement>(line)).Where(line => line.GetProperty("kind").GetString() == "record").ToList();
        return (result, records);
    }

    private async Task<IReadOnlyList<AuditRecord>> ExportsRecordedAsync(string? tenantId)
    {
        var now = DateTimeOffset.UtcNow;
        return (await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(tenantId, AuditEventTypes.AuditExported.Name, null, now.AddHours(-1), now.AddMinutes(1), 500, null))).Records;
    }

    [Fact]
    public async Task TenantExport_OwnAdmin_SignedOnlyItsChain_VerifiesOffline_AndIsRecordedFirst()
    {
        var tenant = NewTenant("exp");
        var other = NewTenant("exp-other");
        await CreateTenantWithRecordsAsync(tenant, "op-exp");
        await CreateTenantWithRecordsAsync(other, "op-exp");
        using var admin = TenantAdmin(tenant, "admin-exp");

        using var response = await admin.GetAsync($"/api/tenants/{tenant}/audit/export");
        var (result, records) = await VerifyAsync(response, await PublishedKeyAsync(admin));

        Assert.True(result.Valid, result.Problem);
        Assert.Equal(("tenant", tenant), (result.Scope, result.Subject));
        Assert.True(records.Count >= 4, $"{records.Count} records");
        Assert.All(records, r => Assert.Equal("tenant:" + tenant, r.GetProperty("chain").GetString()));
        Assert.Equal(records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-Audit-Records").Single());
        // No flush: the export is recorded before the body is sent, in the tenant's own chain.
        var recorded = Assert.Single(await ExportsRecordedAsync(tenant));
        Assert.Equal(("admin-exp", "tenant", tenant, records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (recorded.Actor, recorded.Fields["scope"], recorded.Fields["subject"], recorded.Fields["records"]));
    }

    [Fact]
    public async Task TenantExport_AnotherTenantOrNotAnAdmin_Refused()
    {
        var tenant = NewTenant("exp-a");
        var other = NewTenant("exp-b");
        await CreateTenantWithRecordsAsync(tenant, "op-exp");
        await CreateTenantWithRecordsAsync(other, "op-exp");
        using var admin = TenantAdmin(tenant, "admin-a");
        using var user = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant, "user-a"));
        using var anonymous = factory.CreateClient();

        await IsProblemAsync(await admin.GetAsync($"/api/tenants/{other}/audit/export"), HttpStatusCode.Forbidden);
        await IsProblemAsync(await admin.GetAsync($"/api/audit/export?actor=admin-a"), HttpStatusCode.Forbidden);
        await IsProblemAsync(await user.GetAsync($"/api/tenants/{tenant}/audit/export"), HttpStatusCode.Forbidden);
        using var unauthenticated = await anonymous.GetAsync($"/api/tenants/{tenant}/audit/export");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Empty(await ExportsRecordedAsync(other));
    }

    [Fact]
    public async Task ActorExport_Auditor_OnlyThatOperatorsActs_VerifiesOffline_AndIsRecorded()
    {
        var operatorSubject = "op-" + Guid.NewGuid().ToString("N")[..8];
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        await CreateTenantWithRecordsAsync(NewTenant("exp-op1"), operatorSubject);
        await CreateTenantWithRecordsAsync(NewTenant("exp-op2"), operatorSubject);
        using var auditor = factory.CreateBearerClient(factory.Tokens.Operator("aud-exp", "auditor"));

        using var response = await auditor.GetAsync($"/api/audit/export?actor={operatorSubject}&from={from:yyyy-MM-ddTHH:mm:ssZ}");
        var (result, records) = await VerifyAsync(response, await PublishedKeyAsync(auditor));

        Assert.True(result.Valid, result.Problem);
        Assert.True(records.Count >= 4, $"{records.Count} records");
        Assert.All(records, r => Assert.Equal(operatorSubject, r.GetProperty("actor").GetString()));
        Assert.Equal(2, records.Select(r => r.GetProperty("chain").GetString()).Distinct().Count());
        Assert.Contains(await ExportsRecordedAsync(null), r => r.Actor == "aud-exp" && r.Chain == "platform" && r.Fields["subject"] == operatorSubject);
    }

    [Theory]
    [InlineData("/api/audit/export", "actor")]
    [InlineData("/api/audit/export?actor=op-a&from=2025-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", "to")]
    [InlineData("/api/audit/export?actor=op-a&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("/api/audit/export?actor=op-a&from=last-week", "from")]
    [InlineData("/api/audit/export?actor=op-a&actor=op-b", "actor")]
    [InlineData("/api/audit/export?actor=op-a&format=csv", "format")]
    [InlineData("/api/tenants/acme/audit/export?actor=op-a", "actor")]
    [InlineData("/api/tenants/NOT_A_TENANT/audit/export", "tenantId")]
    public async Task Export_BadInput_ProblemNamesParameter(string url, string parameter)
    {
        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-alice"));

        using var response = await operatorHttp.GetAsync(url);

        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }
}
