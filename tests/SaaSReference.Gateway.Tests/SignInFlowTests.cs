using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using SaaSReference.Gateway.Session;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.SignInStack;

namespace SaaSReference.Gateway.Tests;

/// <summary>
/// The whole authorization code flow against the fake identity provider, the browser's part played by hand:
/// /login, the form post back to /signin-oidc, the code redemption with PKCE, and the session that results.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SignInFlowTests(PostgresFixture postgres, ITestOutputHelper output) : SignInStackTests(postgres, output)
{
    [Fact]
    public async Task SignIn_CodeFlow_RedeemsWithPkceAndLeavesOnlyAnHttpOnlySessionCookie()
    {
        using var login = await Stack.Client.GetAsync("/login?returnUrl=/tenants");
        var authorize = QueryHelpers.ParseQuery(login.Headers.Location!.Query);
        var flowCookies = CookiePairs(login);
        var identity = Stack.Identity;
        var clientId = authorize["client_id"].ToString();
        identity.TokenResponse = () => Results.Json(new Dictionary<string, object>
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = 3600,
            ["refresh_token"] = "refresh-from-code",
            ["id_token"] = identity.CreateJwt(new Dictionary<string, object>
            {
                ["sub"] = "user-7", ["name"] = "Grace", ["tenant_id"] = "acme", ["nonce"] = authorize["nonce"].ToString(),
            }, clientId),
            // Roles travel in the access token only (the identity service's choice); /me still shows them.
            ["access_token"] = identity.CreateJwt(new Dictionary<string, object>
            {
                ["sub"] = "user-7", ["tenant_id"] = "acme", ["role"] = new[] { "tenant-admin", "member" },
            }, "saasreference-api"),
        });

        using var callback = new HttpRequestMessage(HttpMethod.Post, "/signin-oidc")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "code-1", ["state"] = authorize["state"].ToString() }),
        };
        callback.Headers.Add("Cookie", string.Join("; ", flowCookies));
        using var signedIn = await Stack.Client.SendAsync(callback);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/tenants", signedIn.Headers.Location?.OriginalString);
        var redeemed = Assert.Single(identity.TokenRequests);
        Assert.Equal("authorization_code", redeemed["grant_type"]);
        Assert.Equal(ClientSecret, redeemed["client_secret"]);
        var challenge = Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(redeemed["code_verifier"])));
        Assert.Equal(authorize["code_challenge"].ToString(), challenge);

        var session = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionDefaults.CookieName + "=", StringComparison.Ordinal));
        var attributes = session.Split(';').Skip(1).Select(a => a.Trim().ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=lax", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain("secure", attributes); // plain HTTP here; Secure comes with HTTPS (SameAsRequest)
        var cookie = session.Split(';')[0];
        Assert.True(cookie.Length < 1024, "the cookie holds a session key, not the tokens");

        using var me = await Stack.Client.SendAsync(Request(HttpMethod.Get, "/me", cookie));
        var body = JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Grace", body.GetProperty("name").GetString());
        Assert.Equal("acme", body.GetProperty("tenantId").GetString());
        Assert.Equal(["member", "tenant-admin"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task SignIn_CallbackWithForeignState_Returns401ProblemAndNoSession()
    {
        using var login = await Stack.Client.GetAsync("/login");
        using var callback = new HttpRequestMessage(HttpMethod.Post, "/signin-oidc")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "code-1", ["state"] = "forged" }),
        };
        callback.Headers.Add("Cookie", string.Join("; ", CookiePairs(login)));

        using var response = await Stack.Client.SendAsync(callback);

        await ProblemDetailsAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(Stack.Identity.TokenRequests);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [],
            c => c.StartsWith(SessionDefaults.CookieName + "=", StringComparison.Ordinal) && !c.Contains("1970", StringComparison.Ordinal));
    }

    private static List<string> CookiePairs(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).ToList();
}
