using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class PasswordResetApiTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task UsersApi_ResetPassword_RequiresAChangeAndEndsTheSessions()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var session = await OAuth.SignInAsync(http, user.Email!);
        var admin = (await OAuth.SignInAsync(http, TestSeed.AcmeAdmin)).AccessToken;

        using var response = await UsersApiClient.SendAsync(http, admin, $"/identity/api/users/{user.Id}/reset-password", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var temporary = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temporaryPassword").GetString()!;
        var (required, valid) = await TestUsers.WithAsync(Identity, async services =>
        {
            var users = services.GetRequiredService<UserManager<PlatformUser>>();
            var stored = (await users.FindByIdAsync(user.Id))!;
            return (stored.PasswordChangeRequired, await users.CheckPasswordAsync(stored, temporary));
        });
        Assert.True(required);
        Assert.True(valid);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, session.RefreshToken)).Error);
        Assert.Contains(Identity.Events.OfType(SecurityEventTypes.PasswordReset), e => e.UserId == user.Id);
    }

    [Fact]
    public async Task UsersApi_ResetPasswordOfAnotherTenantsUser_IsNotFound()
    {
        var user = await TestUsers.CreateAsync(Identity, tenantId: "globex");
        var http = Identity.CreateHttpClient();
        var admin = (await OAuth.SignInAsync(http, TestSeed.AcmeAdmin)).AccessToken;

        using var response = await UsersApiClient.SendAsync(http, admin, $"/identity/api/users/{user.Id}/reset-password", null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        var unchanged = await TestUsers.WithAsync(Identity, async services =>
            (await services.GetRequiredService<UserManager<PlatformUser>>().FindByIdAsync(user.Id))!.PasswordChangeRequired);
        Assert.False(unchanged);
    }
}
