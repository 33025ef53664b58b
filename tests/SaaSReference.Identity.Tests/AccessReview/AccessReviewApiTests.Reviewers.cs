using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Database.Audit;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;
using static SaaSReference.Identity.Tests.AccessReview.AccessReviewClient;

namespace SaaSReference.Identity.Tests.AccessReview;

/// <summary>
/// Who reviews what: operators and auditors any tenant and the platform's staff, a tenant administrator its own tenant
/// only, each review recorded in the chain it belongs to; anyone else is refused.
/// </summary>
public sealed partial class AccessReviewApiTests
{
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
}
