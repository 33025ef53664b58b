using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Audit;

namespace SaaSReference.Silo.Tests.Audit;

/// <summary>
/// 12.4.3a/b: a silo started with <c>Audit:RecordGrainCalls</c> = false (the audit-overhead benchmark only) does not record
/// grain calls, and says so: one critical <c>audit.grain-calls-unrecorded</c> record naming the silo, written at start.
/// The default (the filter registered, a record write recorded as <c>grain.state-changed</c>) is proven by
/// <see cref="AuditApiTests.GrainFilter_RecordWritten_RecordedWithTenantAndActor"/>.
/// </summary>
public sealed class GrainCallsUnrecordedTests(UnrecordedSiloFactory factory) : IClassFixture<UnrecordedSiloFactory>
{
    private async Task<IReadOnlyList<AuditRecord>> StoredAsync(string? tenantId, string type)
    {
        await factory.Services.GetRequiredService<AuditWriter>().FlushAsync();
        var now = DateTimeOffset.UtcNow;
        var page = await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(tenantId, type, null, now.AddHours(-1), now.AddMinutes(1), 500, null));
        return page.Records;
    }

    [Fact]
    public async Task Start_RecordGrainCallsOff_OneCriticalRecordNamesTheSilo()
    {
        using var http = factory.CreateOperatorClient();
        using var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        var record = Assert.Single(await StoredAsync(null, AuditEventTypes.GrainCallsUnrecorded.Name));

        var silo = UnrecordedGrainCallsNotice.Describe(factory.Services.GetRequiredService<ILocalSiloDetails>());
        Assert.Equal((AuditChains.Platform, "critical", silo, silo), (record.Chain, record.Severity, record.Fields["silo"], record.Target));
    }

    [Fact]
    public async Task RecordWritten_RecordGrainCallsOff_NoGrainCallRecorded()
    {
        var tenant = "unrec-" + Guid.NewGuid().ToString("N")[..8];
        using var http = factory.CreateOperatorClient();
        using (var created = await http.PostAsync("/api/tenants", Json($$"""{"id":"{{tenant}}","displayName":"Unrecorded"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using (var collection = await http.PutAsync($"/api/tenants/{tenant}/collections/notes", Json("""{"classification":"internal"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        }

        using var put = await http.PutAsync($"/api/tenants/{tenant}/records/notes/n1", Json("""{"text":"hello"}"""));

        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        Assert.Empty(await StoredAsync(tenant, AuditEventTypes.GrainStateChanged.Name));
        Assert.Empty(await StoredAsync(tenant, AuditEventTypes.GrainPrivilegedCall.Name));
        // The trail itself still works: the API's own record of the collection is there.
        Assert.Single(await StoredAsync(tenant, AuditEventTypes.TenantDataCollectionCreated.Name));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>The silo in-process over a throwaway PostgreSQL, started with <c>Audit:RecordGrainCalls</c> = false.</summary>
public sealed class UnrecordedSiloFactory : SiloApiFactory
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string> { ["Audit:RecordGrainCalls"] = "false" };
}
