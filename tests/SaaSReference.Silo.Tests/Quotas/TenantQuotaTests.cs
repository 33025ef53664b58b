using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// 12.1.3a-c, 12.2.1b/g on a real silo: the storage quota refuses a write before anything is written, the
/// daily budget refuses once spent, freezing is refused on the API and in the grains (reads excepted), only an
/// approved change lifts a freeze, and the tenant's members read their usage and status history.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantQuotaTests(SecuredSiloFactory factory)
{
    private IGrainFactory Grains => factory.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task Storage_WriteOverQuota_RefusedAndStoredDataUnchanged()
    {
        var tenant = await NewTenantAsync();
        await OverrideAsync(tenant, new QuotaOverrides(StorageBytes: 200));
        using var http = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));

        var first = Payload(120);
        using (var created = await http.PutAsync($"/api/tenants/{tenant}/records/notes/first", Json(first)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var stored = await UsageAsync(http, tenant);
        Assert.Equal(first.Length, stored.GetProperty("storedBytes").GetInt64());

        // A second record would take the tenant past 200 bytes: refused, and nothing of it exists.
        using (var refused = await http.PutAsync($"/api/tenants/{tenant}/records/notes/second", Json(Payload(100))))
        {
            var problem = await IsProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("storage", problem.GetProperty("quota").GetString());
        }
        using (var missing = await http.GetAsync($"/api/tenants/{tenant}/records/notes/second"))
        {
            await IsProblemAsync(missing, HttpStatusCode.NotFound);
        }

        // Replacing the first with something too large is refused too, and the first stays as it was.
        using (var refused = await http.PutAsync($"/api/tenants/{tenant}/records/notes/first", Json(Payload(250))))
        {
            await IsProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        }
        var kept = await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/notes/first");
        Assert.Equal(1, kept.GetProperty("version").GetInt64());
        Assert.Equal(JsonDocument.Parse(first).RootElement.GetProperty("text").GetString(), kept.GetProperty("data").GetProperty("text").GetString());
        Assert.Equal(first.Length, (await UsageAsync(http, tenant)).GetProperty("storedBytes").GetInt64());

        // Deleting frees the bytes, and the second record now fits.
        using (var deleted = await http.DeleteAsync($"/api/tenants/{tenant}/records/notes/first"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        Assert.Equal(0, (await UsageAsync(http, tenant)).GetProperty("storedBytes").GetInt64());
        using (var fits = await http.PutAsync($"/api/tenants/{tenant}/records/notes/second", Json(Payload(100))))
        {
            Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        }
    }

    [Fact]
    public async Task Storage_CountIsTheSameWhetherWritesSucceedOrAreRefused()
    {
        var tenant = await NewTenantAsync();
        await OverrideAsync(tenant, new QuotaOverrides(StorageBytes: 1_000));
        var record = Grains.GetGrain<ITenantRecordGrain>(RecordNames.Key(tenant, "notes", "r"));
        await record.PutAsync(new RecordContent(Payload(300), "user-1"));
        // A version mismatch writes nothing: the reservation made for it is given back.
        var mismatch = await record.PutAsync(new RecordContent(Payload(500), "user-1", IfVersion: 7));
        Assert.Equal(RecordWriteOutcome.VersionMismatch, mismatch.Outcome);
        await record.PutAsync(new RecordContent(Payload(200), "user-1"));
        var usage = await Grains.GetGrain<ITenantGrain>(tenant).GetUsageAsync();
        Assert.Equal(Payload(200).Length, usage!.StoredBytes);
    }

    [Fact]
    public async Task Freeze_RefusedOnApiAndInGrains_ReadsOfStatusAndUsageStillWork()
    {
        var tenant = await NewTenantAsync();
        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        using (var before = await member.PutAsync($"/api/tenants/{tenant}/records/notes/a", Json(Payload(40))))
        {
            Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        }

        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-frieda")))
        using (var frozen = await operatorHttp.PostAsJsonAsync($"/api/tenants/{tenant}/status",
            new { status = "frozen", reason = "securitySuspension", note = "Malware beaconing from its machine clients." }))
        {
            Assert.Equal(HttpStatusCode.OK, frozen.StatusCode);
        }

        // API: writes and reads of entrusted data are refused with a clear problem...
        using (var write = await member.PutAsync($"/api/tenants/{tenant}/records/notes/b", Json(Payload(40))))
        {
            var problem = await IsProblemAsync(write, HttpStatusCode.Forbidden);
            Assert.Contains("tenant-frozen", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        // ...while its status and usage, with who froze it and why, can still be read.
        using (var tenantRead = await member.GetAsync($"/api/tenants/{tenant}"))
        {
            Assert.Equal(HttpStatusCode.OK, tenantRead.StatusCode);
        }
        var usage = await UsageAsync(member, tenant);
        Assert.Equal("frozen", usage.GetProperty("status").GetString());
        var change = usage.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("op-frieda", change.GetProperty("actor").GetString());
        Assert.Equal("securitySuspension", change.GetProperty("reason").GetString());
        Assert.Contains("Malware", change.GetProperty("note").GetString(), StringComparison.Ordinal);

        // Grains: a write that reaches the grain without the API is refused too; a read is allowed (export).
        var record = Grains.GetGrain<ITenantRecordGrain>(RecordNames.Key(tenant, "notes", "a"));
        var refused = await Assert.ThrowsAsync<TenantQuotaException>(() => record.PutAsync(new RecordContent(Payload(20), "someone")));
        Assert.Equal(QuotaKind.Frozen, refused.Kind);
        Assert.NotNull(await record.GetAsync());
        Assert.Equal(1, (await record.GetAsync())!.Version);

        // Admins and operators are told (the outbox the dispatcher delivers from).
        var outbox = factory.Services.GetRequiredService<NotificationOutbox>();
        var notes = await outbox.ListAsync(tenant);
        Assert.Contains(notes, n => n.Audience == "tenant-admins" && n.Subject.Contains("frozen", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Audience == "operators");
    }

    [Fact]
    public async Task Unfreeze_NeverByOnePerson()
    {
        var tenant = await NewTenantAsync();
        var grain = Grains.GetGrain<ITenantGrain>(tenant);
        await grain.ChangeStatusAsync(new StatusChangeCommand(TenantStatus.Frozen, StatusReason.NonPayment, "Invoice 42 unpaid.", "op-a"));

        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator("op-a")))
        using (var direct = await operatorHttp.PostAsJsonAsync($"/api/tenants/{tenant}/status", new { status = "active", reason = "operatorDecision", note = "Paid." }))
        {
            var problem = await IsProblemAsync(direct, HttpStatusCode.Conflict);
            Assert.Contains("change-requests", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        var self = await grain.ChangeStatusAsync(new StatusChangeCommand(TenantStatus.Active, StatusReason.Restored, "Paid.", "op-a", ApprovedBy: "op-a"));
        Assert.Equal(TenantChangeOutcome.Refused, self.Outcome);
        Assert.Equal(TenantStatus.Frozen, (await grain.GetStandingAsync())!.Status);

        var approved = await grain.ChangeStatusAsync(new StatusChangeCommand(TenantStatus.Active, StatusReason.Restored, "Paid.", "op-a", ApprovedBy: "approver-b"));
        Assert.Equal(TenantChangeOutcome.Changed, approved.Outcome);
        Assert.Equal("approver-b", (await grain.GetUsageAsync())!.History[^1].ApprovedBy);
    }

    [Fact]
    public async Task AbusePolicy_RepeatedViolations_ThrottleThenFreeze_NotifyingAdminsAndOperators()
    {
        var tenant = await NewTenantAsync();
        var grain = Grains.GetGrain<ITenantGrain>(tenant);
        var policy = PlatformSettings.Defaults.Abuse;
        var start = LimitRejectionStore.WindowStart(DateTimeOffset.UtcNow.AddHours(-1), policy.Window);
        var over = policy.RejectionsPerWindow + 1;

        // Violations that are not consecutive do not add up.
        await grain.RecordRejectionsAsync(start, over);
        await grain.RecordRejectionsAsync(start + 2 * policy.Window, over);
        Assert.Equal(TenantStatus.Active, (await grain.GetStandingAsync())!.Status);

        var window = start + 2 * policy.Window;
        for (var i = 1; i < policy.ViolationsToThrottle; i++)
        {
            window += policy.Window;
            await grain.RecordRejectionsAsync(window, over);
        }
        var throttled = (await grain.GetStandingAsync())!;
        Assert.Equal(TenantStatus.Throttled, throttled.Status);
        var settings = PlatformSettings.Defaults;
        Assert.Equal(settings.FindPlan(settings.DefaultPlan)!.Limits.RequestsPerSecond * policy.ThrottledRateFactor,
            throttled.EffectiveLimits(settings).RequestsPerSecond);

        // A window judged already is not judged again (a monitor failover can deliver it twice).
        Assert.Equal(TenantChangeOutcome.Unchanged, (await grain.RecordRejectionsAsync(window, over)).Outcome);

        for (var i = 0; i < policy.ViolationsToFreeze; i++)
        {
            window += policy.Window;
            await grain.RecordRejectionsAsync(window, over);
        }
        var frozen = (await grain.GetStandingAsync())!;
        Assert.Equal(TenantStatus.Frozen, frozen.Status);
        Assert.Equal(StatusReason.Abuse, frozen.Reason);
        // Published for every gateway and silo.
        var published = await factory.Services.GetRequiredService<TenantLimitsStore>().GetAsync(tenant);
        Assert.Equal(TenantStatus.Frozen, published!.Status);
        Assert.Equal(frozen.Revision, published.Revision);

        var notes = await factory.Services.GetRequiredService<NotificationOutbox>().ListAsync(tenant);
        Assert.Equal(2, notes.Count(n => n.Audience == "tenant-admins"));
        Assert.Equal(2, notes.Count(n => n.Audience == "operators"));
        var history = (await grain.GetUsageAsync())!.History;
        Assert.All(history, h => Assert.Equal(TenantGrainActor, h.Actor));
    }

    [Fact]
    public async Task AbuseMonitor_JudgesClosedWindowsFromTheGateways()
    {
        var tenant = await NewTenantAsync();
        var policy = PlatformSettings.Defaults.Abuse;
        var rejections = factory.Services.GetRequiredService<LimitRejectionStore>();
        var start = LimitRejectionStore.WindowStart(DateTimeOffset.UtcNow.AddMinutes(-10), policy.Window);
        for (var i = 0; i < policy.ViolationsToThrottle; i++)
        {
            await rejections.AddAsync(tenant, start + i * policy.Window, policy.RejectionsPerWindow / 2 + 1);
            await rejections.AddAsync(tenant, start + i * policy.Window, policy.RejectionsPerWindow / 2 + 1);
        }
        await Grains.GetGrain<IAbuseMonitorGrain>(0).JudgeClosedWindowsAsync();
        Assert.Equal(TenantStatus.Throttled, (await Grains.GetGrain<ITenantGrain>(tenant).GetStandingAsync())!.Status);
        Assert.DoesNotContain(await rejections.ClosedAsync(DateTimeOffset.UtcNow, 1000), w => w.TenantId == tenant);
    }

    [Fact]
    public async Task DailyBudget_Spent_FurtherWritesRefusedWith429()
    {
        var tenant = await NewTenantAsync();
        await OverrideAsync(tenant, new QuotaOverrides(RequestsPerDay: 5));
        using var http = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        HttpResponseMessage? refused = null;
        // The silo tells the tenant grain its counts every second: within a few seconds of the fifth request
        // the budget is known to be spent everywhere. Bounded: 100 requests, 15 s.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 100 && clock.Elapsed < TimeSpan.FromSeconds(15); i++)
        {
            var response = await http.PutAsync($"/api/tenants/{tenant}/records/notes/n{i % 3}", Json(Payload(20)));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
                break;
            }
            Assert.True(response.IsSuccessStatusCode, $"request {i} answered {(int)response.StatusCode}");
            response.Dispose();
            await Task.Delay(200);
        }
        Assert.NotNull(refused);
        var problem = await IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal("dailyRequests", problem.GetProperty("quota").GetString());
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        refused.Dispose();
        var usage = await UsageAsync(http, tenant);
        Assert.True(usage.GetProperty("requestsToday").GetInt64() >= 5);
    }

    [Fact]
    public async Task BadInput_StatusChangeAndRecords_ClearProblems()
    {
        var tenant = await NewTenantAsync();
        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator());
        using (var bad = await operatorHttp.PostAsJsonAsync($"/api/tenants/{tenant}/status", new { status = "melted", reason = "whim", note = "" }))
        {
            var problem = await IsProblemAsync(bad, HttpStatusCode.BadRequest);
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty("status", out _));
            Assert.True(errors.TryGetProperty("reason", out _));
            Assert.True(errors.TryGetProperty("note", out _));
        }
        using (var unknown = await operatorHttp.PostAsJsonAsync("/api/tenants/no-such-tenant/status", new { status = "frozen", reason = "abuse", note = "x" }))
        {
            await IsProblemAsync(unknown, HttpStatusCode.NotFound);
        }

        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        foreach (var (path, body) in new[]
        {
            ($"/api/tenants/{tenant}/records/Bad Name/x", "{}"),
            ($"/api/tenants/{tenant}/records/notes/x", "[1,2]"),
            ($"/api/tenants/{tenant}/records/notes/x", "\"text\""),
            ($"/api/tenants/{tenant}/records/notes/x", "{\"a\":"),
        })
        {
            using var response = await member.PutAsync(path, Json(body));
            await IsProblemAsync(response, HttpStatusCode.BadRequest);
        }
        using (var created = await member.PutAsync($"/api/tenants/{tenant}/records/notes/x", Json("{\"a\":1}")))
        {
            Assert.Equal("\"1\"", created.Headers.ETag?.ToString());
        }
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenant}/records/notes/x") { Content = Json("{\"a\":2}") };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
        await IsProblemAsync(await member.SendAsync(stale), HttpStatusCode.PreconditionFailed);
        using var garbage = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenant}/records/notes/x") { Content = Json("{\"a\":2}") };
        garbage.Headers.TryAddWithoutValidation("If-Match", "yesterday");
        await IsProblemAsync(await member.SendAsync(garbage), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Records_OtherTenantsMembers_Refused()
    {
        var owner = await NewTenantAsync();
        var stranger = await NewTenantAsync();
        using (var http = factory.CreateBearerClient(factory.Tokens.TenantUser(owner)))
        using (var created = await http.PutAsync($"/api/tenants/{owner}/records/notes/secret", Json("{\"v\":\"owner-only\"}")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using var other = factory.CreateBearerClient(factory.Tokens.TenantUser(stranger));
        using var read = await other.GetAsync($"/api/tenants/{owner}/records/notes/secret");
        // 9.4.4e: a data route of another tenant answers as if there were nothing (404), not even confirming the tenant.
        var problem = await IsProblemAsync(read, HttpStatusCode.NotFound);
        Assert.DoesNotContain("owner-only", problem.ToString(), StringComparison.Ordinal);
        using var usage = await other.GetAsync($"/api/tenants/{owner}/usage");
        await IsProblemAsync(usage, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Traces_TenantRequest_SpanCarriesTheTenant()
    {
        var tenant = await NewTenantAsync();
        var tagged = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("saasref.tenant.id") is string id)
                {
                    tagged.Add(id);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var http = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        using (var response = await http.GetAsync($"/api/tenants/{tenant}/usage"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // The server's request activity stops after the client has the response: wait for it (bounded), then check.
        for (var attempt = 0; attempt < 100 && !tagged.Contains(tenant); attempt++)
        {
            await Task.Delay(50);
        }
        Assert.Contains(tenant, tagged);
    }

    private const string TenantGrainActor = "abuse-policy";

    private async Task<string> NewTenantAsync()
    {
        var id = "q-" + Guid.NewGuid().ToString("N")[..10];
        var result = await Grains.GetGrain<ITenantGrain>(id).CreateAsync(new CreateTenantCommand("Quota Co", "op-test"));
        Assert.Equal(CreateTenantOutcome.Created, result.Outcome);
        // Records go into a collection that exists (8.2.1): the tests write to "notes".
        var location = await factory.Services.GetRequiredService<SaaSReference.Database.TenantData.TenantStorageLocator>().GetAsync(id);
        await factory.Services.GetRequiredService<SaaSReference.Database.TenantData.Records.TenantCollectionStore>()
            .CreateAsync(location!, "notes", "internal", "", "op-test", DateTimeOffset.UtcNow);
        return id;
    }

    private async Task OverrideAsync(string tenant, QuotaOverrides overrides)
    {
        var result = await Grains.GetGrain<ITenantGrain>(tenant).SetOverridesAsync(overrides, "op-test", "approver-test");
        Assert.Equal(TenantChangeOutcome.Changed, result.Outcome);
    }

    private static async Task<JsonElement> UsageAsync(HttpClient http, string tenant) =>
        await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/usage");

    /// <summary>A JSON object of exactly <paramref name="bytes"/> bytes (UTF-8, as stored).</summary>
    private static string Payload(int bytes)
    {
        const string prefix = "{\"text\":\"";
        const string suffix = "\"}";
        return prefix + new string('x', bytes - prefix.Length - suffix.Length) + suffix;
    }
}
