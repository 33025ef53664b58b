using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class RefreshTokenTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    [Fact]
    public async Task Refresh_Always_ReturnsANewRefreshTokenAndFreshClaims()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var first = await OAuth.SignInAsync(http, user.Email!);

        var second = await OAuth.RefreshAsync(http, first.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(user.Id, second.Jwt.Subject);
        Assert.Equal("acme", second.Jwt.GetClaim("tenant_id").Value);
        Assert.Equal(["saasreference-api"], second.Jwt.Audiences);
        Assert.Equal("no-store", second.Message.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Refresh_ReusedRefreshToken_RevokesTheWholeChain()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var first = await OAuth.SignInAsync(http, user.Email!);
        var second = await OAuth.RefreshAsync(http, first.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, second.Status);

        // The first refresh token was redeemed; presenting it again means someone copied it.
        var reused = await OAuth.RefreshAsync(http, first.RefreshToken);

        Assert.Equal("invalid_grant", reused.Error);
        // The legitimate holder's newer refresh token and access token die with the chain.
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, second.RefreshToken)).Error);
        Assert.False((await OAuth.IntrospectAsync(http, second.AccessToken)).Body.GetProperty("active").GetBoolean());
        var statuses = await TestUsers.WithAsync(Identity, async services =>
        {
            var authorizations = services.GetRequiredService<IOpenIddictAuthorizationManager>();
            var found = new List<string?>();
            await foreach (var authorization in authorizations.FindBySubjectAsync(user.Id))
            {
                found.Add(await authorizations.GetStatusAsync(authorization));
            }
            return found;
        });
        Assert.Equal([Statuses.Revoked], statuses);
        var raised = Identity.Events.OfType(SecurityEventTypes.TokenRevoked).Last(e => e.UserId == user.Id);
        Assert.Equal("redeemed-token-reused", raised.Details!["reason"]);
        Assert.Equal(SecurityEventOutcomes.Failure, raised.Outcome);
    }

    [Fact]
    public async Task Refresh_AccountLockedOut_IsInvalidGrant()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!);
        await TestUsers.UpdateAsync(Identity, user.Id, (users, u) => users.SetLockoutEndDateAsync(u, DateTimeOffset.UtcNow.AddMinutes(5)));

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task Refresh_AccountDeleted_IsInvalidGrant()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!);
        await TestUsers.WithAsync(Identity, async services =>
        {
            var users = services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PlatformUser>>();
            return await users.DeleteAsync((await users.FindByIdAsync(user.Id))!);
        });

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task Refresh_AccountMovedToAnotherTenant_IsInvalidGrant()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!);
        await TestUsers.UpdateAsync(Identity, user.Id, (_, u) => { u.TenantId = "globex"; return Task.CompletedTask; });

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task Refresh_PastTheAbsoluteLifetime_IsInvalidGrant()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!);
        // The sign-in (the authorization's creation) 24 hours and a minute ago; the refresh token itself is fresh.
        await using (var dataSource = NpgsqlDataSource.Create(environment.ConnectionString))
        await using (var command = dataSource.CreateCommand(
            "UPDATE identity.\"OpenIddictAuthorizations\" SET \"CreationDate\" = now() - interval '24 hours 1 minute' WHERE \"Subject\" = $1"))
        {
            command.Parameters.Add(new() { Value = user.Id });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task Refresh_RoleGrantedAfterPasswordOnlySignIn_RequiresMfa()
    {
        var user = await TestUsers.CreateAsync(Identity);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!, methods: "pwd");
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        await TestUsers.UpdateAsync(Identity, user.Id, (users, u) => users.AddToRoleAsync(u, PlatformRoles.TenantAdmin));

        // 9.2.3a: a privileged role is never carried by a token of a password-only session.
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, tokens.RefreshToken)).Error);
    }

    [Fact]
    public async Task Refresh_RoleRemoved_IsGoneFromTheNewAccessToken()
    {
        var user = await TestUsers.CreateAsync(Identity, role: PlatformRoles.TenantAdmin);
        var http = Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, user.Email!);
        Assert.Contains(tokens.Jwt.Claims, c => c.Type == Claims.Role && c.Value == PlatformRoles.TenantAdmin);
        await TestUsers.UpdateAsync(Identity, user.Id, (users, u) => users.RemoveFromRoleAsync(u, PlatformRoles.TenantAdmin));

        var refreshed = await OAuth.RefreshAsync(http, tokens.RefreshToken);

        Assert.DoesNotContain(refreshed.Jwt.Claims, c => c.Type == Claims.Role);
    }
}
