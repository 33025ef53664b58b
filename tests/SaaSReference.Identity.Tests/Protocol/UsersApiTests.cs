using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class UsersApiTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Theory]
    [InlineData("short pass", "PasswordTooShort")]
    [InlineData("Password123!", "PasswordCommon")]
    public async Task UsersApi_PasswordAgainstThePolicy_IsRefusedWithTheRuleBroken(string password, string code)
    {
        using var response = await CreateAsync(TestSeed.Operator, NewUserBody.For("acme", [PlatformRoles.TenantUser], password));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(code, problem.GetProperty("passwordErrors").EnumerateArray().Select(e => e.GetString()));
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task UsersApi_OperatorAndApproverTogether_IsRefusedAsConflict()
    {
        using var response = await CreateAsync(TestSeed.Operator, NewUserBody.For(null, [PlatformRoles.Operator, PlatformRoles.Approver]));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("6.1.2a", problem.GetProperty("errors").GetProperty("roles")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersApi_TenantAdminForAnotherTenant_IsForbidden()
    {
        using var response = await CreateAsync(TestSeed.AcmeAdmin, NewUserBody.For("globex", [PlatformRoles.TenantUser]));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UsersApi_TenantAdminCreatingStaff_IsForbidden()
    {
        using var response = await CreateAsync(TestSeed.AcmeAdmin, NewUserBody.For(null, [PlatformRoles.Auditor]));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UsersApi_TenantAdminForItsOwnTenant_CreatesTheUser()
    {
        var body = NewUserBody.For("acme", [PlatformRoles.TenantUser]);
        using var response = await CreateAsync(TestSeed.AcmeAdmin, body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("acme", created.GetProperty("tenantId").GetString());
        Assert.False(created.TryGetProperty("password", out _));
        var raised = Identity.Events.OfType(SecurityEventTypes.UserCreated).Last();
        Assert.Equal(created.GetProperty("id").GetString(), raised.UserId);
        Assert.Equal("acme", raised.TenantId);
    }

    [Fact]
    public async Task UsersApi_DuplicateEmail_IsConflict()
    {
        using var response = await CreateAsync(TestSeed.Operator, NewUserBody.For("acme", [PlatformRoles.TenantUser]) with { Email = TestSeed.AcmeUser });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task UsersApi_MachineToken_IsForbidden()
    {
        var http = Identity.CreateHttpClient();
        var machine = await OAuth.ClientCredentialsAsync(http, TestSeed.AcmeWorker, TestSeed.AcmeWorkerSecret);

        using var response = await UsersApiClient.SendAsync(http, machine.AccessToken, "/identity/api/users", NewUserBody.For("acme", [PlatformRoles.TenantUser]));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UsersApi_WithoutToken_IsUnauthorized()
    {
        using var response = await Identity.CreateHttpClient().PostAsJsonAsync("/identity/api/users", NewUserBody.For("acme", [PlatformRoles.TenantUser]));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> CreateAsync(string callerEmail, NewUserBody body) =>
        UsersApiClient.CreateAsync(Identity, callerEmail, body);
}
