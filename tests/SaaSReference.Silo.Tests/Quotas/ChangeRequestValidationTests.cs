using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>Every malformed or impossible change request is refused with problem details naming the field, and nothing is stored.</summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class ChangeRequestValidationTests(SecuredSiloFactory factory)
{
    // {tenant} is replaced by an existing, active tenant's id.
    [Theory]
    [InlineData("""{"kind":"promote","tenantId":"{tenant}","reason":"r"}""", "kind")]
    [InlineData("""{"tenantId":"{tenant}","reason":"r","payload":{}}""", "kind")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","reason":"r","payload":{"plan":"gold"}}""", "payload.plan")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","reason":"r","payload":{}}""", "payload.plan")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","reason":"r","payload":{"plan":"basic"}}""", "payload.plan")]
    [InlineData("""{"kind":"quota-override","tenantId":"{tenant}","reason":"r","payload":{"overrides":{"requestsPerSecond":-5}}}""", "payload.overrides.requestsPerSecond")]
    [InlineData("""{"kind":"quota-override","tenantId":"{tenant}","reason":"r","payload":{"overrides":{"storageBytes":1000000000000000000}}}""", "payload.overrides.storageBytes")]
    [InlineData("""{"kind":"quota-override","tenantId":"{tenant}","reason":"r","payload":{"overrides":{"users":0}}}""", "payload.overrides.users")]
    [InlineData("""{"kind":"quota-override","tenantId":"{tenant}","reason":"r","payload":{"overrides":{"burst":2}}}""", "payload.overrides.burst")]
    [InlineData("""{"kind":"quota-override","tenantId":"{tenant}","reason":"r","payload":{}}""", "payload.overrides")]
    [InlineData("""{"kind":"plan-change","tenantId":"Bad_Tenant!","reason":"r","payload":{"plan":"premium"}}""", "tenantId")]
    [InlineData("""{"kind":"plan-change","reason":"r","payload":{"plan":"premium"}}""", "tenantId")]
    [InlineData("""{"kind":"unfreeze","tenantId":"no-such-tenant-x1","reason":"r"}""", "tenantId")]
    [InlineData("""{"kind":"configuration-rollback","reason":"r","payload":{"version":999}}""", "payload.version")]
    [InlineData("""{"kind":"configuration-rollback","reason":"r","payload":{"version":0}}""", "payload.version")]
    [InlineData("""{"kind":"configuration-rollback","reason":"r","payload":{}}""", "payload.version")]
    [InlineData("""{"kind":"configuration-rollback","tenantId":"{tenant}","reason":"r","payload":{"version":1}}""", "tenantId")]
    [InlineData("""{"kind":"configuration-change","reason":"r","payload":{}}""", "payload.settings")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","payload":{"plan":"premium"}}""", "reason")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","reason":"   ","payload":{"plan":"premium"}}""", "reason")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","reason":"r","payload":{"plan":"premium","settings":{}}}""", "payload")]
    [InlineData("""{"kind":"unfreeze","tenantId":"{tenant}","reason":"r","payload":{"force":true}}""", "payload")]
    [InlineData("""{"kind":"plan-change","tenantId":"{tenant}","reason":"r","payload":"premium"}""", "payload")]
    public async Task Request_InvalidInput_Returns400NamingTheFieldAndStoresNothing(string json, string field)
    {
        var tenant = await factory.CreateTenantAsync();
        using var http = factory.Operator("op-val");
        using var response = await http.PostAsync("/api/change-requests", Json(json.Replace("{tenant}", tenant, StringComparison.Ordinal)));
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"no error for '{field}': {errors}");

        var listed = await http.GetFromJsonAsync<JsonElement>($"/api/change-requests?tenantId={tenant}");
        Assert.Equal(0, listed.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Request_InvalidSettings_Returns400NamingEachField()
    {
        using var http = factory.Operator("op-val");
        var settings = await PlatformConfigurationTests.CurrentSettingsAsync(http);
        settings["overCommitRatio"] = 0;
        settings["plans"]![0]!["limits"]!["requestsPerSecond"] = -1;
        settings["defaultPlan"] = "nothing";
        using var response = await http.PostRequestAsync(new { kind = "configuration-change", reason = "Broken.", payload = new { settings } });
        var errors = (await IsProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("errors");
        foreach (var field in new[] { "payload.settings.overCommitRatio", "payload.settings.plans[0].limits.requestsPerSecond", "payload.settings.defaultPlan" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for '{field}': {errors}");
        }
    }

    [Fact]
    public async Task Request_UnfreezeOfActiveTenant_Returns409()
    {
        var tenant = await factory.CreateTenantAsync();
        using var http = factory.Operator("op-val");
        using var response = await http.PostRequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Is not frozen." });
        var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("not frozen", problem.GetProperty("title").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"note":"x","extra":1}""")]
    [InlineData("""{"note":""}""")]
    [InlineData("""not json""")]
    public async Task Decide_InvalidBody_Returns400AndStaysPending(string json)
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var requester = factory.Operator("op-val");
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Body test." });
        using var approver = factory.Approver("ap-val");
        using var response = await approver.PostAsync($"/api/change-requests/{ChangeRequestSilo.Id(request)}/approve", Json(json));
        await IsProblemAsync(response, HttpStatusCode.BadRequest);
        using var reject = await approver.PostAsync($"/api/change-requests/{ChangeRequestSilo.Id(request)}/reject", Json("{}"));
        var problem = await IsProblemAsync(reject, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("note", out _));
        Assert.Equal("pending", (await factory.GetRequestAsync(request)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Request_WithoutToken_Returns401()
    {
        using var http = factory.CreateClient();
        using var response = await http.PostRequestAsync(new { kind = "unfreeze", tenantId = "any-tenant", reason = "r" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var staff = factory.Staff("aud-x", [Roles.Auditor]);
        using var list = await staff.GetAsync("/api/change-requests");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }
}
