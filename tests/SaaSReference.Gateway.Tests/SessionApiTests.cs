using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using SaaSReference.Gateway.Session;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;
using static SaaSReference.Gateway.Tests.Infrastructure.SignInStack;

namespace SaaSReference.Gateway.Tests;

/// <summary>The gateway's own session endpoints: /login, /logout and /me.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SessionApiTests(PostgresFixture postgres, ITestOutputHelper output) : SignInStackTests(postgres, output)
{
    [Fact]
    public async Task Me_WithoutSession_Returns401ProblemNotCached()
    {
        using var response = await Stack.Client.GetAsync("/me");

        await IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Me_WithSession_Returns200WithNameTenantAndRolesButNoTokenNotCached()
    {
        var (_, cookie) = await Stack.SignInAsync("access-secret", "refresh-secret", user: User("Ada", "acme", "tenant-admin", "member"));

        using var response = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/me", cookie));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var body = await response.Content.ReadAsStringAsync();
        var me = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Ada", me.GetProperty("name").GetString());
        Assert.Equal("acme", me.GetProperty("tenantId").GetString());
        Assert.Equal(["member", "tenant-admin"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain("id-token", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_Challenge_RedirectsToTheAuthorizeEndpointWithPkceS256()
    {
        using var response = await Stack.Client.GetAsync("/login?returnUrl=/tenants");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(Stack.Identity.AuthorizeEndpoint + "?", location.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal(43, query["code_challenge"].ToString().Length);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("saasreference-gateway", query["client_id"]);
        Assert.Equal($"http://127.0.0.1:{Stack.Stack.Host.Port}/signin-oidc", query["redirect_uri"]);
        Assert.Equal(SessionDefaults.Scopes.Order(), query["scope"].ToString().Split(' ').Order());
        Assert.False(query.ContainsKey("client_secret"));
        Assert.DoesNotContain(ClientSecret, location.AbsoluteUri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task Login_ReturnUrlElsewhere_Returns400ProblemWithoutChallenge(string returnUrl)
    {
        using var response = await Stack.Client.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));

        await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Logout_WithoutCsrfHeader_Returns403ProblemAndKeepsTheSession()
    {
        var (key, cookie) = await Stack.SignInAsync();

        using var response = await Stack.Client.SendAsync(Request(HttpMethod.Post, "/logout", cookie));

        await IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.NotNull(await Stack.Store.RetrieveAsync(key));
    }

    [Fact]
    public async Task Logout_WithCsrfHeader_EndsTheSessionAndRedirectsToEndSession()
    {
        var (key, cookie) = await Stack.SignInAsync();

        using var response = await Stack.Client.SendAsync(Request(HttpMethod.Post, "/logout", cookie, csrf: true));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(Stack.Identity.EndSessionEndpoint + "?", location.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("id-token-1", query["id_token_hint"]);
        Assert.Equal($"http://127.0.0.1:{Stack.Stack.Host.Port}/signout-callback-oidc", query["post_logout_redirect_uri"]);
        Assert.Null(await Stack.Store.RetrieveAsync(key));
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionDefaults.CookieName + "=;", StringComparison.Ordinal));
    }
}
