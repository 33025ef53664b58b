using System.Net;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;
using static SaaSReference.Gateway.Tests.Infrastructure.SignInStack;

namespace SaaSReference.Gateway.Tests;

/// <summary>What a browser session changes in the requests forwarded to the silos, and what it does not.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SessionForwardingTests(PostgresFixture postgres, ITestOutputHelper output) : SignInStackTests(postgres, output)
{
    [Fact]
    public async Task Session_ApiRequestWithCookie_ReachesTheSiloWithBearerAndWithoutTheSessionCookie()
    {
        var (_, cookie) = await Stack.SignInAsync(accessToken: "access-abc");

        using var request = Request(HttpMethod.Get, "/api/tenants", cookie + "; theme=dark");
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal("Bearer access-abc", echo.Authorization);
        Assert.Equal("theme=dark", echo.Cookie);
    }

    [Fact]
    public async Task Session_IdentityRequestWithCookie_IsForwardedWithoutTheSessionCookieOrAToken()
    {
        var (_, cookie) = await Stack.SignInAsync();

        using var request = Request(HttpMethod.Get, "/identity/connect/authorize", cookie);
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Null(echo.Cookie);
        Assert.Null(echo.Authorization);
    }

    [Fact]
    public async Task Session_ClientSentBearer_PassesThroughUnchangedAndTheSessionIsIgnored()
    {
        var (_, cookie) = await Stack.SignInAsync(accessToken: "session-token");

        using var request = Request(HttpMethod.Get, "/api/tenants", cookie, bearer: "machine-token");
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal("Bearer machine-token", echo.Authorization);
        Assert.Null(echo.Cookie);
    }

    [Fact]
    public async Task Session_NoCookieNoBearer_IsForwardedWithoutAuthorizationNotRedirected()
    {
        using var response = await Stack.Client.GetAsync("/api/tenants");

        var echo = await ReadEchoAsync(response);
        Assert.Null(echo.Authorization);
    }

    [Fact]
    public async Task Session_UnknownSessionCookie_IsForwardedWithoutAuthorizationOrCookie()
    {
        var (key, cookie) = await Stack.SignInAsync();
        await Stack.Store.RemoveAsync(key);

        using var request = Request(HttpMethod.Get, "/api/tenants", cookie);
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Null(echo.Authorization);
        Assert.Null(echo.Cookie);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Csrf_CookieAuthenticatedUnsafeMethodWithoutHeader_Returns403ProblemAndIsNotForwarded(string method)
    {
        var (_, cookie) = await Stack.SignInAsync();

        using var request = Request(new HttpMethod(method), "/api/tenants", cookie);
        using var response = await Stack.Client.SendAsync(request);

        await IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.DoesNotContain(Stack.Stack.Destinations.SelectMany(d => d.Requests), r => r.Method == method);
    }

    [Fact]
    public async Task Csrf_CookieAuthenticatedPostWithHeader_IsForwardedWithBearer()
    {
        var (_, cookie) = await Stack.SignInAsync(accessToken: "access-post");

        using var request = Request(HttpMethod.Post, "/api/tenants", cookie, csrf: true);
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal("POST", echo.Method);
        Assert.Equal("Bearer access-post", echo.Authorization);
    }

    [Fact]
    public async Task Csrf_BearerPostWithoutHeader_IsForwarded()
    {
        using var request = Request(HttpMethod.Post, "/api/tenants", bearer: "machine-token");
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal("Bearer machine-token", echo.Authorization);
    }

    [Fact]
    public async Task Csrf_AnonymousPostWithoutHeader_IsForwardedForTheSiloToRefuse()
    {
        using var request = Request(HttpMethod.Post, "/api/tenants");
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Null(echo.Authorization);
    }
}
