using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// 12.1.2g: the platform configuration is versioned; a change and a rollback each go through four-eyes approval,
/// make a new version and keep every earlier one.
/// </summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class PlatformConfigurationTests(SecuredSiloFactory factory)
{
    /// <summary>The current settings as a mutable JSON object (what a client would edit and send back).</summary>
    internal static async Task<JsonObject> CurrentSettingsAsync(HttpClient http)
    {
        var current = await http.GetFromJsonAsync<JsonObject>("/api/platform/configuration");
        var settings = current!["settings"]!.AsObject();
        settings.Remove("guaranteeBudget");
        return JsonNode.Parse(settings.ToJsonString())!.AsObject();
    }

    private static async Task<JsonElement> CurrentAsync(HttpClient http) =>
        await http.GetFromJsonAsync<JsonElement>("/api/platform/configuration");

    private static JsonObject Plan(string name, double rps) => new()
    {
        ["name"] = name,
        ["displayName"] = name.ToUpperInvariant(),
        ["limits"] = new JsonObject
        {
            ["requestsPerSecond"] = rps, ["burst"] = (int)(rps * 2), ["requestsPerDay"] = 1_000_000, ["storageBytes"] = 1L << 30,
            ["concurrentOperations"] = 8, ["users"] = 50, ["machineClients"] = 5,
        },
    };

    private async Task<JsonElement> ApproveOkAsync(JsonElement request, string approver)
    {
        using var http = factory.Approver(approver);
        using var response = await http.ApproveAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    [Fact]
    public async Task ConfigurationChange_Approved_AddsVersionAndKeepsThePrevious()
    {
        using var requester = factory.Operator("op-cfg");
        var before = await CurrentAsync(requester);
        var version = before.GetProperty("version").GetInt32();
        var settings = await CurrentSettingsAsync(requester);
        settings["plans"]!.AsArray().Add(Plan("enterprise", 100));
        var request = await requester.RequestAsync(new { kind = "configuration-change", reason = "Add the enterprise plan.", payload = new { settings } });
        Assert.Equal(version, request.GetProperty("payload").GetProperty("baseVersion").GetInt32());
        Assert.Equal(version, (await CurrentAsync(requester)).GetProperty("version").GetInt32()); // not before approval

        await ApproveOkAsync(request, "ap-cfg");

        var after = await CurrentAsync(requester);
        Assert.Equal(version + 1, after.GetProperty("version").GetInt32());
        Assert.Equal(("op-cfg", "ap-cfg"), (after.GetProperty("requestedBy").GetString(), after.GetProperty("approvedBy").GetString()));
        Assert.Contains(after.GetProperty("settings").GetProperty("plans").EnumerateArray(), p => p.GetProperty("name").GetString() == "enterprise");

        var previous = await requester.GetFromJsonAsync<JsonElement>($"/api/platform/configuration/versions/{version}");
        Assert.False(previous.GetProperty("current").GetBoolean());
        Assert.Equal(before.GetProperty("settings").ToString(), previous.GetProperty("settings").ToString());
        var history = await requester.GetFromJsonAsync<JsonElement>("/api/platform/configuration/versions");
        var versions = history.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()).ToList();
        Assert.Equal(version + 1, versions[0]);
        Assert.Contains(version, versions);
    }

    [Fact]
    public async Task ConfigurationRollback_Approved_RestoresThePreviousPlansAsANewVersion()
    {
        using var requester = factory.Operator("op-rb");
        var original = await CurrentAsync(requester);
        var version = original.GetProperty("version").GetInt32();
        var settings = await CurrentSettingsAsync(requester);
        settings["plans"]![0]!["displayName"] = "Renamed for the rollback test";
        settings["plans"]!.AsArray().Add(Plan("gold", 150));
        await ApproveOkAsync(await requester.RequestAsync(new { kind = "configuration-change", reason = "Try gold.", payload = new { settings } }), "ap-rb");
        Assert.Equal(version + 1, (await CurrentAsync(requester)).GetProperty("version").GetInt32());

        var rollback = await requester.RequestAsync(new { kind = "configuration-rollback", reason = "Gold was a mistake.", payload = new { version } });
        var approved = await ApproveOkAsync(rollback, "ap-rb2");
        Assert.Contains($"version {version + 2}", approved.GetProperty("outcome").GetString(), StringComparison.Ordinal);

        var restored = await CurrentAsync(requester);
        Assert.Equal(version + 2, restored.GetProperty("version").GetInt32());
        Assert.Equal(original.GetProperty("settings").ToString(), restored.GetProperty("settings").ToString());
        Assert.Equal($"Rollback to version {version}", restored.GetProperty("note").GetString());
        // Nothing was lost: the rolled-back version is still there.
        var undone = await requester.GetFromJsonAsync<JsonElement>($"/api/platform/configuration/versions/{version + 1}");
        Assert.Contains(undone.GetProperty("settings").GetProperty("plans").EnumerateArray(), p => p.GetProperty("name").GetString() == "gold");
    }

    [Fact]
    public async Task ConfigurationChange_ApprovedAfterAnotherChange_FailsAndKeepsTheOtherChange()
    {
        using var requester = factory.Operator("op-race");
        var settingsA = await CurrentSettingsAsync(requester);
        var settingsB = await CurrentSettingsAsync(requester);
        settingsA["plans"]!.AsArray().Add(Plan("plan-a" + Guid.NewGuid().ToString("N")[..4], 20));
        settingsB["plans"]!.AsArray().Add(Plan("plan-b" + Guid.NewGuid().ToString("N")[..4], 20));
        var a = await requester.RequestAsync(new { kind = "configuration-change", reason = "A.", payload = new { settings = settingsA } });
        var b = await requester.RequestAsync(new { kind = "configuration-change", reason = "B.", payload = new { settings = settingsB } });
        await ApproveOkAsync(a, "ap-race");
        var afterA = await CurrentAsync(requester);

        using var approver = factory.Approver("ap-race");
        using var response = await approver.ApproveAsync(b);
        var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("Request the change again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("failed", (await factory.GetRequestAsync(b)).GetProperty("status").GetString());
        Assert.Equal(afterA.ToString(), (await CurrentAsync(requester)).ToString());
    }

    [Fact]
    public async Task Rollback_ToTheCurrentVersion_Returns400()
    {
        using var requester = factory.Operator("op-rbc");
        var version = (await CurrentAsync(requester)).GetProperty("version").GetInt32();
        using var response = await requester.PostRequestAsync(new { kind = "configuration-rollback", reason = "No-op.", payload = new { version } });
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("payload.version", out _));
    }

    [Fact]
    public async Task Configuration_IsReadableByStaffOnly_AndHasNoWriteEndpoint()
    {
        foreach (var role in new[] { Roles.Operator, Roles.Approver, Roles.Auditor })
        {
            using var staff = factory.Staff("staff-" + role, [role], "pwd");
            using var ok = await staff.GetAsync("/api/platform/configuration/versions");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("no-store", ok.Headers.CacheControl?.ToString());
        }
        using var tenantUser = factory.CreateBearerClient(factory.Tokens.TenantUser("some-tenant"));
        using var forbidden = await tenantUser.GetAsync("/api/platform/configuration");
        await IsProblemAsync(forbidden, HttpStatusCode.Forbidden);
        using var anonymous = factory.CreateClient();
        using var unauthorized = await anonymous.GetAsync("/api/platform/configuration");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);

        using var operatorHttp = factory.Operator("op-write");
        var before = await CurrentAsync(operatorHttp);
        var settings = await CurrentSettingsAsync(operatorHttp);
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Post, HttpMethod.Patch })
        {
            using var message = new HttpRequestMessage(method, "/api/platform/configuration") { Content = JsonContent.Create(new { settings }) };
            using var write = await operatorHttp.SendAsync(message);
            Assert.False(write.IsSuccessStatusCode, $"{method} answered {(int)write.StatusCode}");
        }
        using var missing = await operatorHttp.GetAsync("/api/platform/configuration/versions/9999");
        await IsProblemAsync(missing, HttpStatusCode.NotFound);
        Assert.Equal(before.ToString(), (await CurrentAsync(operatorHttp)).ToString());
    }
}
