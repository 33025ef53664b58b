using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;
using static SaaSReference.Identity.Tests.AccessReview.AccessReviewClient;

namespace SaaSReference.Identity.Tests.AccessReview;

/// <summary>
/// 9.4.1c: the access review report. Operators and auditors review any tenant and the platform's staff, a tenant
/// administrator only its own tenant; every account with its roles, MFA state, last sign-in and lockout, flagged for
/// review (9.2.x: accounts to remove or fix); every report is an <c>audit.access-reviewed</c> record committed before the
/// answer (12.4.3a, 9.4.4b). Each test reviews a tenant of its own, so no two tests see each other's accounts.
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class AccessReviewApiTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task AccessReview_Operator_SeesTheTenantsUsersWithRolesMfaLastSignInAndFlags()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var admin = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantAdmin);
        var codes = await EnrollAsync(Identity, admin.Id);
        await TestUsers.UpdateAsync(Identity, admin.Id, async (users, user) =>
        {
            Assert.True((await users.RedeemTwoFactorRecoveryCodeAsync(user, codes[0])).Succeeded);
        });
        var adminSignIn = DaysAgo(1);
        await TestUsers.UpdateAsync(Identity, admin.Id, (_, user) => Set(user, lastSignIn: adminSignIn));
        var stale = await TestUsers.CreateAsync(Identity, tenant);
        var staleSignIn = DaysAgo(100);
        await TestUsers.UpdateAsync(Identity, stale.Id, (_, user) => Set(user, lastSignIn: staleSignIn, createdAt: DaysAgo(400)));
        var bareAdmin = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantAdmin);
        var locked = await TestUsers.CreateAsync(Identity, tenant);
        var lockedUntil = DateTimeOffset.UtcNow.AddHours(1);
        await TestUsers.UpdateAsync(Identity, locked.Id, async (users, user) =>
        {
            await users.SetLockoutEndDateAsync(user, lockedUntil);
            user.ConsecutiveLockouts = 2;
            user.PasswordChangeRequired = true;
        });
        var (http, token, operatorId) = await SignInAsync(Identity, TestSeed.Operator);

        using var response = await GetAsync(http, token, "tenant=" + tenant);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("tenant", report.GetProperty("scope").GetString());
        Assert.Equal(tenant, report.GetProperty("tenantId").GetString());
        Assert.Equal(90, report.GetProperty("parameters").GetProperty("staleAfterDays").GetInt32());
        Assert.Equal(14, report.GetProperty("parameters").GetProperty("neverSignedInAfterDays").GetInt32());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("nextCursor").ValueKind);
        var users = report.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal(4, users.Count);
        Assert.All(users, user => Assert.Equal(tenant, user.GetProperty("tenantId").GetString()));
        var names = users.Select(u => u.GetProperty("userName").GetString()!).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        var enrolled = Find(users, admin.Id);
        Assert.Equal(admin.Email, enrolled.GetProperty("email").GetString());
        Assert.Equal("Test person", enrolled.GetProperty("displayName").GetString());
        Assert.Equal([PlatformRoles.TenantAdmin], Strings(enrolled.GetProperty("roles")));
        Assert.True(enrolled.GetProperty("mfa").GetProperty("enrolled").GetBoolean());
        Assert.Equal(["totp", "recovery-codes"], Strings(enrolled.GetProperty("mfa").GetProperty("factors")));
        Assert.Equal(9, enrolled.GetProperty("mfa").GetProperty("recoveryCodesLeft").GetInt32());
        Assert.Equal(adminSignIn, enrolled.GetProperty("lastSignInAt").GetDateTimeOffset());
        Assert.Empty(Strings(enrolled.GetProperty("flags")));

        var old = Find(users, stale.Id);
        Assert.Equal([PlatformRoles.TenantUser], Strings(old.GetProperty("roles")));
        Assert.Equal(staleSignIn, old.GetProperty("lastSignInAt").GetDateTimeOffset());
        Assert.False(old.GetProperty("mfa").GetProperty("enrolled").GetBoolean());
        Assert.Empty(Strings(old.GetProperty("mfa").GetProperty("factors")));
        Assert.Equal(["stale", "no-mfa"], Strings(old.GetProperty("flags")));

        var risky = Find(users, bareAdmin.Id);
        Assert.Equal(JsonValueKind.Null, risky.GetProperty("lastSignInAt").ValueKind);
        Assert.Equal(["no-mfa", "privileged-without-mfa"], Strings(risky.GetProperty("flags")));

        var lockedOut = Find(users, locked.Id);
        Assert.Equal(lockedUntil.ToUnixTimeSeconds(), lockedOut.GetProperty("lockedOutUntil").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(2, lockedOut.GetProperty("consecutiveLockouts").GetInt32());
        Assert.True(lockedOut.GetProperty("passwordChangeRequired").GetBoolean());
        Assert.Equal(["no-mfa", "locked-out", "password-change-required"], Strings(lockedOut.GetProperty("flags")));
        Assert.Equal(JsonValueKind.Null, enrolled.GetProperty("lockedOutUntil").ValueKind);

        var summary = report.GetProperty("summary");
        Assert.Equal(4, summary.GetProperty("users").GetInt32());
        Assert.Equal(3, summary.GetProperty("flagged").GetInt32());
        var flags = summary.GetProperty("flags");
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["stale"] = 1, ["never-signed-in"] = 0, ["no-mfa"] = 3, ["privileged-without-mfa"] = 1, ["locked-out"] = 1,
                ["password-change-required"] = 1,
            },
            flags.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()));

        // 12.4.3a, 9.4.4b: staff reviewing a tenant is recorded in the platform's chain, and it is there when the answer is.
        var record = Assert.Single(await RecordsAsync(environment.ConnectionString, operatorId), r => r.Fields["scope"] == "tenant:" + tenant);
        Assert.Equal(AuditChains.Platform, record.Chain);
        Assert.Null(record.TenantId);
        Assert.Equal("success", record.Outcome);
        Assert.Equal("notice", record.Severity);
        Assert.Equal("tenant:" + tenant, record.Target);
        Assert.Equal(tenant, record.Fields["tenant"]);
        Assert.Equal("4", record.Fields["users"]);
        Assert.Equal("3", record.Fields["flagged"]);
        Assert.Equal("4", record.Fields["returned"]);
        Assert.Equal("90", record.Fields["staleAfterDays"]);
        Assert.Equal(PlatformRoles.Operator, record.Fields["reviewer"]);
        Assert.All(AuditEventTypes.AccessReviewed.RequiredFields, field => Assert.True(record.Fields.ContainsKey(field), field));
    }

    [Fact]
    public async Task AccessReview_StaleAfterDaysAndNeverSignedIn_FollowTheirRules()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var hundredDays = await TestUsers.CreateAsync(Identity, tenant);
        await TestUsers.UpdateAsync(Identity, hundredDays.Id, (_, user) => Set(user, lastSignIn: DaysAgo(100), createdAt: DaysAgo(200)));
        var tenDays = await TestUsers.CreateAsync(Identity, tenant);
        await TestUsers.UpdateAsync(Identity, tenDays.Id, (_, user) => Set(user, lastSignIn: DaysAgo(10), createdAt: DaysAgo(200)));
        var handedOut = await TestUsers.CreateAsync(Identity, tenant);
        await TestUsers.UpdateAsync(Identity, handedOut.Id, (_, user) => Set(user, createdAt: DaysAgo(30)));
        var fresh = await TestUsers.CreateAsync(Identity, tenant);
        var (http, token, _) = await SignInAsync(Identity, TestSeed.Operator);

        var byDefault = await UsersAsync(http, token, "tenant=" + tenant);
        var lenient = await UsersAsync(http, token, $"tenant={tenant}&staleAfterDays=365");
        var strict = await UsersAsync(http, token, $"tenant={tenant}&staleAfterDays=7");

        Assert.Equal(["stale", "no-mfa"], byDefault[hundredDays.Id]);
        Assert.Equal(["no-mfa"], byDefault[tenDays.Id]);
        Assert.Equal(["never-signed-in", "no-mfa"], byDefault[handedOut.Id]);
        Assert.Equal(["no-mfa"], byDefault[fresh.Id]);
        Assert.Equal(["no-mfa"], lenient[hundredDays.Id]);
        Assert.Equal(["never-signed-in", "no-mfa"], lenient[handedOut.Id]);
        Assert.Equal(["stale", "no-mfa"], strict[tenDays.Id]);
        Assert.Equal(["stale", "never-signed-in", "no-mfa"], strict[handedOut.Id]);
        Assert.Equal(["no-mfa"], strict[fresh.Id]);
    }

    [Fact]
    public async Task AccessReview_TenantAdmin_SeesItsOwnTenantOnly_RecordedInItsTenantsChain()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var other = TenantLimits.NewTenant("ar");
        var admin = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantAdmin);
        var colleague = await TestUsers.CreateAsync(Identity, tenant);
        var stranger = await TestUsers.CreateAsync(Identity, other);
        var (http, token, subject) = await SignInAsync(Identity, admin.Email!);
        Assert.Equal(admin.Id, subject);

        using var implicitTenant = await GetAsync(http, token);
        using var explicitTenant = await GetAsync(http, token, "tenant=" + tenant);
        using var foreign = await GetAsync(http, token, "tenant=" + other);
        using var acme = await GetAsync(http, token, "tenant=acme");
        using var staff = await GetAsync(http, token, "scope=staff");

        foreach (var response in new[] { implicitTenant, explicitTenant })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(stranger.Id, text, StringComparison.Ordinal);
            var report = JsonSerializer.Deserialize<JsonElement>(text);
            Assert.Equal(tenant, report.GetProperty("tenantId").GetString());
            Assert.Equal(new[] { admin.Id, colleague.Id }.Order(StringComparer.Ordinal),
                report.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal(2, report.GetProperty("summary").GetProperty("users").GetInt32());
        }
        foreach (var response in new[] { foreign, acme, staff })
        {
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Equal("https://saasreference.local/problems/forbidden", problem.GetProperty("type").GetString());
            Assert.False(problem.TryGetProperty("users", out _));
            Assert.DoesNotContain(stranger.Id, problem.ToString(), StringComparison.Ordinal);
        }

        var records = await RecordsAsync(environment.ConnectionString, admin.Id);
        Assert.Equal(2, records.Count);
        Assert.All(records, record =>
        {
            Assert.Equal(AuditChains.Of(tenant), record.Chain);
            Assert.Equal(tenant, record.TenantId);
            Assert.Equal("tenant:" + tenant, record.Fields["scope"]);
            Assert.Equal("2", record.Fields["users"]);
            Assert.Equal(PlatformRoles.TenantAdmin, record.Fields["reviewer"]);
        });
    }

    [Fact]
    public async Task AccessReview_Auditor_ReviewsThePlatformsStaff_RecordedInThePlatformChain()
    {
        var auditor = await TestUsers.CreateAsync(Identity, null, PlatformRoles.Auditor);
        await EnrollAsync(Identity, auditor.Id);
        var operatorId = await IdOfAsync(Identity, TestSeed.Operator);
        var approverId = await IdOfAsync(Identity, TestSeed.Approver);
        var (http, token, _) = await SignInAsync(Identity, auditor.Email!);

        using var response = await GetAsync(http, token, "scope=staff&limit=500");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("staff", report.GetProperty("scope").GetString());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("tenantId").ValueKind);
        var users = report.GetProperty("users").EnumerateArray().ToList();
        Assert.All(users, user => Assert.Equal(JsonValueKind.Null, user.GetProperty("tenantId").ValueKind));
        Assert.DoesNotContain(users, user => user.GetProperty("userName").GetString() == TestSeed.AcmeAdmin);
        Assert.Equal([PlatformRoles.Operator], Strings(Find(users, operatorId).GetProperty("roles")));
        Assert.Equal([PlatformRoles.Approver], Strings(Find(users, approverId).GetProperty("roles")));
        // The seeded staff have no authenticator (the tests sign them in without the pages): privileged without MFA.
        Assert.Contains("privileged-without-mfa", Strings(Find(users, operatorId).GetProperty("flags")));
        var self = Find(users, auditor.Id);
        Assert.Equal([PlatformRoles.Auditor], Strings(self.GetProperty("roles")));
        Assert.True(self.GetProperty("mfa").GetProperty("enrolled").GetBoolean());
        Assert.DoesNotContain("privileged-without-mfa", Strings(self.GetProperty("flags")));
        Assert.DoesNotContain("no-mfa", Strings(self.GetProperty("flags")));

        var record = Assert.Single(await RecordsAsync(environment.ConnectionString, auditor.Id));
        Assert.Equal(AuditChains.Platform, record.Chain);
        Assert.Null(record.TenantId);
        Assert.Equal("staff", record.Fields["scope"]);
        Assert.False(record.Fields.ContainsKey("tenant"));
        Assert.Equal(report.GetProperty("summary").GetProperty("users").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            record.Fields["users"]);
        Assert.Equal(PlatformRoles.Auditor, record.Fields["reviewer"]);
    }

    [Fact]
    public async Task AccessReview_Paging_WalksEveryUserOnceInOrder_WithTheSameSummary()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await TestUsers.CreateAsync(Identity, tenant)).Email!);
        }
        var (http, token, operatorId) = await SignInAsync(Identity, TestSeed.Operator);

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            using var response = await GetAsync(http, token, $"tenant={tenant}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(5, page.GetProperty("summary").GetProperty("users").GetInt32());
            Assert.InRange(page.GetProperty("users").GetArrayLength(), 1, 2);
            seen.AddRange(page.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("userName").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(created.Order(StringComparer.Ordinal), seen);
        var records = (await RecordsAsync(environment.ConnectionString, operatorId)).Where(r => r.Fields["scope"] == "tenant:" + tenant).ToList();
        Assert.Equal(["first", "next", "next"], records.Select(r => r.Fields["page"]));
        Assert.Equal(["2", "2", "1"], records.Select(r => r.Fields["returned"]));
    }

    [Fact]
    public async Task AccessReview_CursorOfAnotherScope_IsRefused()
    {
        var tenant = TenantLimits.NewTenant("ar");
        for (var i = 0; i < 2; i++)
        {
            await TestUsers.CreateAsync(Identity, tenant);
        }
        var (http, token, _) = await SignInAsync(Identity, TestSeed.Operator);
        using var first = await GetAsync(http, token, $"tenant={tenant}&limit=1");
        var cursor = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);

        using var elsewhere = await GetAsync(http, token, "tenant=acme&cursor=" + cursor);

        var problem = await ProblemAssert.IsProblemAsync(elsewhere, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), problem.ToString());
    }

    [Theory]
    [InlineData("", "tenant")]
    [InlineData("tenant=acme&foo=1", "foo")]
    [InlineData("Tenant=acme", "Tenant")]
    [InlineData("tenant=acme&tenant=globex", "tenant")]
    [InlineData("tenant=Acme", "tenant")]
    [InlineData("tenant=", "tenant")]
    [InlineData("tenant=acme_corp", "tenant")]
    [InlineData("scope=everyone", "scope")]
    [InlineData("scope=staff&tenant=acme", "tenant")]
    [InlineData("tenant=acme&staleAfterDays=0", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=3651", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=-5", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=ninety", "staleAfterDays")]
    [InlineData("tenant=acme&staleAfterDays=90&staleAfterDays=30", "staleAfterDays")]
    [InlineData("tenant=acme&limit=0", "limit")]
    [InlineData("tenant=acme&limit=501", "limit")]
    [InlineData("tenant=acme&limit=1.5", "limit")]
    [InlineData("tenant=acme&cursor=not-a-cursor", "cursor")]
    [InlineData("tenant=acme&cursor=", "cursor")]
    [InlineData("tenant=acme&cursor=WzEsMiwzXQ", "cursor")]
    public async Task AccessReview_BadParameter_IsAProblemNamingItAndNothingIsRecorded(string query, string parameter)
    {
        var (http, token, operatorId) = await SignInAsync(Identity, TestSeed.Operator);
        var before = (await RecordsAsync(environment.ConnectionString, operatorId)).Count;

        using var response = await GetAsync(http, token, query);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("https://saasreference.local/problems/invalid-query", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(before, (await RecordsAsync(environment.ConnectionString, operatorId)).Count);
    }

    [Theory]
    [InlineData(TestSeed.AcmeUser)]
    [InlineData(TestSeed.Approver)]
    public async Task AccessReview_NeitherStaffReviewerNorTenantAdmin_IsForbidden(string email)
    {
        var (http, token, subject) = await SignInAsync(Identity, email);

        using var own = await GetAsync(http, token, "tenant=acme");
        using var implicitTenant = await GetAsync(http, token);

        await ProblemAssert.IsProblemAsync(own, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(implicitTenant, HttpStatusCode.Forbidden);
        Assert.Empty(await RecordsAsync(environment.ConnectionString, subject));
    }

    [Fact]
    public async Task AccessReview_MachineTokenOfTheTenant_IsForbidden()
    {
        var http = Identity.CreateHttpClient();
        var machine = await OAuth.ClientCredentialsAsync(http, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        using var response = await GetAsync(http, machine.AccessToken, "tenant=acme");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AccessReview_WithoutToken_IsUnauthorized()
    {
        using var response = await GetAsync(Identity.CreateHttpClient(), null, "tenant=acme");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessReview_ConfiguredStaleAfterDays_IsTheDefault()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var user = await TestUsers.CreateAsync(Identity, tenant);
        await TestUsers.UpdateAsync(Identity, user.Id, (_, account) => Set(account, lastSignIn: DaysAgo(40), createdAt: DaysAgo(100)));
        await using var configured = Identity.WithWebHostBuilder(builder => builder.UseSetting("AccessReview:StaleAfterDays", "30"));
        var http = configured.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = (await OAuth.SignInAsync(http, TestSeed.Operator)).AccessToken;

        using var response = await GetAsync(http, token, "tenant=" + tenant);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(30, report.GetProperty("parameters").GetProperty("staleAfterDays").GetInt32());
        Assert.Equal(["stale", "no-mfa"], Strings(Find([.. report.GetProperty("users").EnumerateArray()], user.Id).GetProperty("flags")));
    }

    [Fact]
    public async Task AccessReview_RecordCannotBeWritten_NoReportLeaves()
    {
        var tenant = TenantLimits.NewTenant("ar");
        var user = await TestUsers.CreateAsync(Identity, tenant);
        await using var failing = Identity.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IAuditTrail, UnavailableAuditTrail>()));
        var http = failing.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = (await OAuth.SignInAsync(http, TestSeed.Operator)).AccessToken;

        using var response = await GetAsync(http, token, "tenant=" + tenant);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(user.Id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(user.Email!, text, StringComparison.Ordinal);
        Assert.DoesNotContain("audit store", text, StringComparison.Ordinal);
    }

    private static Task Set(PlatformUser user, DateTimeOffset? lastSignIn = null, DateTimeOffset? createdAt = null)
    {
        user.LastSignInAt = lastSignIn ?? user.LastSignInAt;
        user.CreatedAt = createdAt ?? user.CreatedAt;
        return Task.CompletedTask;
    }

    private static async Task<Dictionary<string, string[]>> UsersAsync(HttpClient http, string token, string query)
    {
        using var response = await GetAsync(http, token, query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        return report.GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("id").GetString()!, u => Strings(u.GetProperty("flags")), StringComparer.Ordinal);
    }

    private static JsonElement Find(IEnumerable<JsonElement> users, string id) =>
        Assert.Single(users, user => user.GetProperty("id").GetString() == id);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>An audit store that cannot take a record (a database outage): the report must not be answered.</summary>
    private sealed class UnavailableAuditTrail : IAuditTrail
    {
        public ValueTask EnqueueAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new InvalidOperationException("audit store unavailable"));

        public Task WriteNowAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
            Task.FromException(new InvalidOperationException("audit store unavailable"));
    }
}
