using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;
using SaaSReference.Identity.Tests.SignIn;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>
/// 9.2.3a: the tenant sign-in policy API. A tenant administrator sets "require MFA of all users" for its own tenant
/// only, an operator for any; the setting takes effect at the next sign-in; every set is a security event. Each test
/// works on a tenant of its own, so no two tests share a policy.
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class TenantPolicyApiTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task TenantPolicy_TenantAdminRequiresMfa_TenantUserMustEnrollAtTheNextSignIn()
    {
        var tenant = NewTenant();
        var admin = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantAdmin);
        var user = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantUser);
        var token = await TokenAsync(admin.Email!);
        // Before: the platform default lets a tenant user through with the password alone.
        Assert.True((await SignInThroughPagesAsync(user.Email!, tenant)).LeftService);

        using var set = await PutAsync(token, tenant, """{"requireMfa":true}""");

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var stored = await set.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(tenant, stored.GetProperty("tenantId").GetString());
        Assert.True(stored.GetProperty("requireMfa").GetBoolean());
        Assert.Equal(admin.Id, stored.GetProperty("updatedBy").GetString());
        Assert.InRange(stored.GetProperty("updatedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        using var read = await GetAsync(token, tenant);
        var shown = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(shown.GetProperty("requireMfa").GetBoolean());
        Assert.Equal(admin.Id, shown.GetProperty("updatedBy").GetString());

        // The same person, the same password: now sent to enrollment, with no code for the client.
        var page = await SignInThroughPagesAsync(user.Email!, tenant);
        Assert.False(page.LeftService);
        Assert.Equal(Flow.EnrollPage, page.Path);
    }

    [Fact]
    public async Task TenantPolicy_SetBackToFalse_TenantUserSignsInWithThePasswordAgain()
    {
        var tenant = NewTenant();
        var user = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantUser);
        var token = await TokenAsync(TestSeed.Operator);
        using (var on = await PutAsync(token, tenant, """{"requireMfa":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        }
        Assert.Equal(Flow.EnrollPage, (await SignInThroughPagesAsync(user.Email!, tenant)).Path);

        using var off = await PutAsync(token, tenant, """{"requireMfa":false}""");

        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.False((await off.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requireMfa").GetBoolean());
        Assert.True((await SignInThroughPagesAsync(user.Email!, tenant)).LeftService);
    }

    [Fact]
    public async Task TenantPolicy_TurnedOn_PasswordOnlySessionOfTheTenantCannotRefresh()
    {
        var tenant = NewTenant();
        var user = await TestUsers.CreateAsync(Identity, tenant, PlatformRoles.TenantUser);
        var http = Identity.CreateHttpClient();
        var session = await OAuth.SignInAsync(http, user.Email!, methods: "pwd");
        Assert.Equal(HttpStatusCode.OK, session.Status);

        using var set = await PutAsync(await TokenAsync(TestSeed.Operator), tenant, """{"requireMfa":true}""");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var refreshed = await OAuth.RefreshAsync(http, session.RefreshToken);

        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task TenantPolicy_NeverSet_ShowsThePlatformDefault()
    {
        var tenant = NewTenant();

        using var response = await GetAsync(await TokenAsync(TestSeed.Operator), tenant);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var policy = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(tenant, policy.GetProperty("tenantId").GetString());
        Assert.False(policy.GetProperty("requireMfa").GetBoolean());
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("updatedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("updatedBy").ValueKind);
    }

    [Fact]
    public async Task TenantPolicy_TenantAdminOfAnotherTenant_CanNeitherReadNorSet()
    {
        var other = NewTenant();
        var operatorToken = await TokenAsync(TestSeed.Operator);
        using (var seeded = await PutAsync(operatorToken, other, """{"requireMfa":true}"""))
        {
            Assert.Equal(HttpStatusCode.OK, seeded.StatusCode);
        }
        var acmeAdmin = await TokenAsync(TestSeed.AcmeAdmin);

        using var read = await GetAsync(acmeAdmin, other);
        using var set = await PutAsync(acmeAdmin, other, """{"requireMfa":false}""");

        var readProblem = await ProblemAssert.IsProblemAsync(read, HttpStatusCode.Forbidden);
        Assert.False(readProblem.TryGetProperty("requireMfa", out _));
        await ProblemAssert.IsProblemAsync(set, HttpStatusCode.Forbidden);
        Assert.Equal("no-store", set.Headers.CacheControl?.ToString());
        using var after = await GetAsync(operatorToken, other);
        Assert.True((await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requireMfa").GetBoolean());
        Assert.DoesNotContain(Identity.Events.OfType(SecurityEventTypes.TenantPolicyChanged), e => e.TenantId == other && e.Details!["new"] == "false");
    }

    [Fact]
    public async Task TenantPolicy_TenantAdminOfGlobex_CannotReadAcme()
    {
        using var response = await GetAsync(await TokenAsync(TestSeed.GlobexAdmin), "acme");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TenantPolicy_TenantUser_CanNeitherReadNorSetItsOwnTenant()
    {
        var token = await TokenAsync(TestSeed.AcmeUser);

        using var set = await PutAsync(token, "acme", """{"requireMfa":false}""");
        using var read = await GetAsync(token, "acme");

        await ProblemAssert.IsProblemAsync(set, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(read, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TenantPolicy_MachineTokenOfTheTenant_IsForbidden()
    {
        var http = Identity.CreateHttpClient();
        var machine = await OAuth.ClientCredentialsAsync(http, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        using var response = await SendAsync(http, machine.AccessToken, HttpMethod.Put, "acme", """{"requireMfa":false}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    public async Task TenantPolicy_WithoutToken_IsUnauthorized(string method)
    {
        using var response = await SendAsync(Identity.CreateHttpClient(), null, new HttpMethod(method), "acme", """{"requireMfa":true}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantPolicy_OperatorSetsAnyTenant_RaisesOneEventPerSetWithOldAndNewValue()
    {
        var tenant = NewTenant();
        var token = await TokenAsync(TestSeed.Operator);
        var operatorId = await TestUsers.WithAsync(Identity, async services =>
            (await services.GetRequiredService<UserManager<PlatformUser>>().FindByEmailAsync(TestSeed.Operator))!.Id);

        using var first = await PutAsync(token, tenant, """{"requireMfa":true}""");
        using var second = await PutAsync(token, tenant, """{"requireMfa":false}""");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("no-store", second.Headers.CacheControl?.ToString());
        Assert.Equal(operatorId, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("updatedBy").GetString());
        var raised = Identity.Events.OfType(SecurityEventTypes.TenantPolicyChanged).Where(e => e.TenantId == tenant).ToList();
        Assert.Equal(2, raised.Count);
        Assert.All(raised, e =>
        {
            Assert.Equal(SecurityEventOutcomes.Success, e.Outcome);
            Assert.Equal(operatorId, e.UserId);
            Assert.Equal(operatorId, e.Details!["by"]);
            Assert.Equal("require-mfa", e.Details["policy"]);
        });
        Assert.Equal(("false", "true"), (raised[0].Details!["old"], raised[0].Details!["new"]));
        Assert.Equal(("true", "false"), (raised[1].Details!["old"], raised[1].Details!["new"]));
    }

    [Theory]
    [InlineData("Acme")]
    [InlineData("a")]
    [InlineData("acme_corp")]
    [InlineData("-acme")]
    [InlineData("acme-")]
    public async Task TenantPolicy_InvalidTenantId_IsAValidationProblem(string tenantId)
    {
        var token = await TokenAsync(TestSeed.Operator);

        using var read = await GetAsync(token, tenantId);
        using var set = await PutAsync(token, tenantId, """{"requireMfa":true}""");

        foreach (var response in new[] { read, set })
        {
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("tenantId", out _), problem.ToString());
        }
        Assert.DoesNotContain(Identity.Events.OfType(SecurityEventTypes.TenantPolicyChanged), e => e.TenantId == tenantId);
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{}", "requireMfa")]
    [InlineData("""{"requireMfa":null}""", "requireMfa")]
    [InlineData("""{"requireMfa":"yes"}""", "requireMfa")]
    [InlineData("""{"requireMfa":1}""", "requireMfa")]
    [InlineData("""{"RequireMfa":true}""", "RequireMfa")]
    [InlineData("""{"requireMfa":true,"tenantId":"globex"}""", "tenantId")]
    [InlineData("""{"requireMfa":true,"requireMfa":false}""", "requireMfa")]
    [InlineData("""{"requireMfa":true""", "body")]
    [InlineData("null", "body")]
    [InlineData("[true]", "body")]
    [InlineData("true", "body")]
    public async Task TenantPolicy_BadBody_IsAValidationProblemAndChangesNothing(string body, string member)
    {
        var tenant = NewTenant();
        var token = await TokenAsync(TestSeed.Operator);

        using var response = await PutAsync(token, tenant, body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(member, out var messages), problem.ToString());
        Assert.DoesNotContain("System.", messages.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SaaSReference", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var after = await GetAsync(token, tenant);
        Assert.Equal(JsonValueKind.Null, (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("updatedAt").ValueKind);
        Assert.DoesNotContain(Identity.Events.OfType(SecurityEventTypes.TenantPolicyChanged), e => e.TenantId == tenant);
    }

    [Fact]
    public async Task TenantPolicy_NoBodyAtAll_IsAValidationProblem()
    {
        var http = Identity.CreateHttpClient();
        var token = (await OAuth.SignInAsync(http, TestSeed.Operator)).AccessToken;
        using var request = new HttpRequestMessage(HttpMethod.Put, Path(NewTenant()));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _), problem.ToString());
    }

    [Fact]
    public async Task TenantPolicy_BodyNotJson_IsUnsupportedMediaType()
    {
        var http = Identity.CreateHttpClient();
        var token = (await OAuth.SignInAsync(http, TestSeed.Operator)).AccessToken;

        using var response = await SendAsync(http, token, HttpMethod.Put, NewTenant(), "requireMfa=true", "application/x-www-form-urlencoded");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task TenantPolicy_BodyTooLarge_IsRefused()
    {
        var token = await TokenAsync(TestSeed.Operator);
        var padded = "{\"requireMfa\":true" + new string(' ', 2048) + "}";

        using var response = await PutAsync(token, NewTenant(), padded);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    private static string NewTenant() => $"t{Guid.NewGuid():N}"[..20];

    private static string Path(string tenantId) => $"/identity/api/tenants/{Uri.EscapeDataString(tenantId)}/sign-in-policy";

    private async Task<string> TokenAsync(string email) => (await OAuth.SignInAsync(Identity.CreateHttpClient(), email)).AccessToken;

    private Task<HttpResponseMessage> GetAsync(string token, string tenantId) =>
        SendAsync(Identity.CreateHttpClient(), token, HttpMethod.Get, tenantId, null);

    private Task<HttpResponseMessage> PutAsync(string token, string tenantId, string body) =>
        SendAsync(Identity.CreateHttpClient(), token, HttpMethod.Put, tenantId, body);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string? token, HttpMethod method, string tenantId, string? body,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, Path(tenantId));
        if (body is not null && method != HttpMethod.Get)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await http.SendAsync(request);
    }

    /// <summary>Through the real sign-in pages of an instance on the same database, with a fresh browser.</summary>
    private async Task<BrowserPage> SignInThroughPagesAsync(string email, string tenant)
    {
        var pages = await environment.WithSignInPagesAsync();
        using var browser = new Browser(pages.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            HandleCookies = true,
            BaseAddress = new Uri("http://localhost/"),
        }));
        return await Flow.SignInAsync(browser, new OidcClient(), email, tenant, TestSeed.Password);
    }
}
