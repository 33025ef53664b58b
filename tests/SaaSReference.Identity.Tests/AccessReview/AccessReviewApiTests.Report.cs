using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;
using static SaaSReference.Identity.Tests.AccessReview.AccessReviewClient;

namespace SaaSReference.Identity.Tests.AccessReview;

/// <summary>
/// What a report holds: every account with its roles, MFA state, last sign-in, lockout and flags, the flags' rules and
/// their configured default; and no report leaves without its audit record.
/// </summary>
public sealed partial class AccessReviewApiTests
{
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

    /// <summary>An audit store that cannot take a record (a database outage): the report must not be answered.</summary>
    private sealed class UnavailableAuditTrail : IAuditTrail
    {
        public ValueTask EnqueueAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new InvalidOperationException("audit store unavailable"));

        public Task WriteNowAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
            Task.FromException(new InvalidOperationException("audit store unavailable"));
    }
}
