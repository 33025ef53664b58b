using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using SaaSReference.Gateway.Session;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;
using static SaaSReference.Gateway.Tests.Infrastructure.SignInStack;

namespace SaaSReference.Gateway.Tests;

/// <summary>The session's access token is refreshed at the (fake) identity service shortly before it expires.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TokenRefreshTests(PostgresFixture postgres, ITestOutputHelper output) : SignInStackTests(postgres, output)
{
    [Fact]
    public async Task Refresh_AccessTokenExpiringWithin60s_IsRefreshedForwardedAndStored()
    {
        Stack.Identity.TokenResponse = () => FakeIdentityProvider.Issue("access-2", "refresh-2");
        var (key, cookie) = await Stack.SignInAsync("access-1", "refresh-1", accessTokenLifetime: TimeSpan.FromSeconds(50));

        using var first = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));
        using var second = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        Assert.Equal("Bearer access-2", (await ReadEchoAsync(first)).Authorization);
        Assert.Equal("Bearer access-2", (await ReadEchoAsync(second)).Authorization);
        var redeemed = Assert.Single(Stack.Identity.TokenRequests);
        Assert.Equal("refresh_token", redeemed["grant_type"]);
        Assert.Equal("refresh-1", redeemed["refresh_token"]);
        Assert.Equal("saasreference-gateway", redeemed["client_id"]);
        Assert.Equal(ClientSecret, redeemed["client_secret"]);
        var stored = await Stack.Store.RetrieveAsync(key);
        Assert.Equal("access-2", stored?.Properties.GetTokenValue("access_token"));
        Assert.Equal("refresh-2", stored?.Properties.GetTokenValue("refresh_token"));
        Assert.True(DateTimeOffset.Parse(stored!.Properties.GetTokenValue("expires_at")!, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.UtcNow.AddMinutes(50));
    }

    [Fact]
    public async Task Refresh_AccessTokenValidForLonger_IsForwardedWithoutRefresh()
    {
        var (_, cookie) = await Stack.SignInAsync("access-1", accessTokenLifetime: TimeSpan.FromSeconds(90));

        using var response = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        Assert.Equal("Bearer access-1", (await ReadEchoAsync(response)).Authorization);
        Assert.Empty(Stack.Identity.TokenRequests);
    }

    [Fact]
    public async Task Refresh_RefusedByIdentityService_EndsTheSessionWith401Problem()
    {
        Stack.Identity.TokenResponse = FakeIdentityProvider.Refuse;
        var (key, cookie) = await Stack.SignInAsync(accessTokenLifetime: TimeSpan.FromSeconds(-5));

        using var response = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null(await Stack.Store.RetrieveAsync(key));
        var deleted = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionDefaults.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", deleted, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Stack.Stack.Destinations.SelectMany(d => d.Requests));
    }

    [Fact]
    public async Task Refresh_IdentityServiceFailing_Returns503ProblemAndKeepsTheSession()
    {
        Stack.Identity.TokenResponse = () => Results.StatusCode(StatusCodes.Status500InternalServerError);
        var (key, cookie) = await Stack.SignInAsync(accessTokenLifetime: TimeSpan.FromSeconds(10));

        using var response = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        await IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("refresh-1", (await Stack.Store.RetrieveAsync(key))?.Properties.GetTokenValue("refresh_token"));
    }

    [Fact]
    public async Task Refresh_ConcurrentRequestsOfOneSession_RedeemTheRefreshTokenOnce()
    {
        // A rotated refresh token presented twice would make the identity service revoke the whole family.
        Stack.Identity.TokenDelay = TimeSpan.FromMilliseconds(500);
        Stack.Identity.TokenResponse = () => FakeIdentityProvider.Issue("access-2", "refresh-2");
        var (_, cookie) = await Stack.SignInAsync(accessTokenLifetime: TimeSpan.FromSeconds(5));

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Stack.Client.SendAsync(Request(HttpMethod.Get, $"/api/t/{i}", cookie))));

        foreach (var response in responses)
        {
            Assert.Equal("Bearer access-2", (await ReadEchoAsync(response)).Authorization);
            response.Dispose();
        }
        Assert.Single(Stack.Identity.TokenRequests);
    }
}
