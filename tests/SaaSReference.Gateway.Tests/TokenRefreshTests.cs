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
public sealed class TokenRefreshTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private SignInStack _stack = null!;

    public async Task InitializeAsync() => _stack = await StartAsync(postgres, output);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Refresh_AccessTokenExpiringWithin60s_IsRefreshedForwardedAndStored()
    {
        _stack.Identity.TokenResponse = () => FakeIdentityProvider.Issue("access-2", "refresh-2");
        var (key, cookie) = await _stack.SignInAsync("access-1", "refresh-1", accessTokenLifetime: TimeSpan.FromSeconds(50));

        using var first = await _stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));
        using var second = await _stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        Assert.Equal("Bearer access-2", (await ReadEchoAsync(first)).Authorization);
        Assert.Equal("Bearer access-2", (await ReadEchoAsync(second)).Authorization);
        var redeemed = Assert.Single(_stack.Identity.TokenRequests);
        Assert.Equal("refresh_token", redeemed["grant_type"]);
        Assert.Equal("refresh-1", redeemed["refresh_token"]);
        Assert.Equal("saasreference-gateway", redeemed["client_id"]);
        Assert.Equal(ClientSecret, redeemed["client_secret"]);
        var stored = await _stack.Store.RetrieveAsync(key);
        Assert.Equal("access-2", stored?.Properties.GetTokenValue("access_token"));
        Assert.Equal("refresh-2", stored?.Properties.GetTokenValue("refresh_token"));
        Assert.True(DateTimeOffset.Parse(stored!.Properties.GetTokenValue("expires_at")!, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.UtcNow.AddMinutes(50));
    }

    [Fact]
    public async Task Refresh_AccessTokenValidForLonger_IsForwardedWithoutRefresh()
    {
        var (_, cookie) = await _stack.SignInAsync("access-1", accessTokenLifetime: TimeSpan.FromSeconds(90));

        using var response = await _stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        Assert.Equal("Bearer access-1", (await ReadEchoAsync(response)).Authorization);
        Assert.Empty(_stack.Identity.TokenRequests);
    }

    [Fact]
    public async Task Refresh_RefusedByIdentityService_EndsTheSessionWith401Problem()
    {
        _stack.Identity.TokenResponse = FakeIdentityProvider.Refuse;
        var (key, cookie) = await _stack.SignInAsync(accessTokenLifetime: TimeSpan.FromSeconds(-5));

        using var response = await _stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null(await _stack.Store.RetrieveAsync(key));
        var deleted = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionDefaults.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", deleted, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_stack.Stack.Destinations.SelectMany(d => d.Requests));
    }

    [Fact]
    public async Task Refresh_IdentityServiceFailing_Returns503ProblemAndKeepsTheSession()
    {
        _stack.Identity.TokenResponse = () => Results.StatusCode(StatusCodes.Status500InternalServerError);
        var (key, cookie) = await _stack.SignInAsync(accessTokenLifetime: TimeSpan.FromSeconds(10));

        using var response = await _stack.Client.SendAsync(Request(HttpMethod.Get, "/api/tenants", cookie));

        await IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("refresh-1", (await _stack.Store.RetrieveAsync(key))?.Properties.GetTokenValue("refresh_token"));
    }

    [Fact]
    public async Task Refresh_ConcurrentRequestsOfOneSession_RedeemTheRefreshTokenOnce()
    {
        // A rotated refresh token presented twice would make the identity service revoke the whole family.
        _stack.Identity.TokenDelay = TimeSpan.FromMilliseconds(500);
        _stack.Identity.TokenResponse = () => FakeIdentityProvider.Issue("access-2", "refresh-2");
        var (_, cookie) = await _stack.SignInAsync(accessTokenLifetime: TimeSpan.FromSeconds(5));

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => _stack.Client.SendAsync(Request(HttpMethod.Get, $"/api/t/{i}", cookie))));

        foreach (var response in responses)
        {
            Assert.Equal("Bearer access-2", (await ReadEchoAsync(response)).Authorization);
            response.Dispose();
        }
        Assert.Single(_stack.Identity.TokenRequests);
    }
}
