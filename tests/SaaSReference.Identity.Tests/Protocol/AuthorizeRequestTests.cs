using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

/// <summary>
/// What OpenIddict refuses before anyone signs in, on an instance configured as deployed (the authorize endpoint
/// passes through to the sign-in pages), and PKCE at the token endpoint.
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class AuthorizeRequestTests(IdentityEnvironment environment)
{
    [Fact]
    public async Task Authorize_ValidRequestWithoutSession_SendsTheBrowserToTheSignInPages()
    {
        var http = (await environment.WithSignInPagesAsync()).CreateHttpClient();

        var location = await OAuth.AuthorizeAsync(http, null, null, OAuth.Authorize(challenge: OAuth.Challenge("a-verifier-of-enough-length-0123456789abcdef")));

        Assert.False(location.IsAbsoluteUri && location.Host == "gateway.test", $"sent back to the client: {location}");
        Assert.StartsWith("/identity/account/", location.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_WithoutCodeChallenge_IsRefused()
    {
        var http = (await environment.WithSignInPagesAsync()).CreateHttpClient();

        await AssertRefusedAsync(http, OAuth.Authorize(challenge: null), "invalid_request");
    }

    [Fact]
    public async Task Authorize_PlainCodeChallenge_IsRefused()
    {
        var http = (await environment.WithSignInPagesAsync()).CreateHttpClient();
        var parameters = OAuth.Authorize(challenge: "a-verifier-of-enough-length-0123456789abcdef");
        parameters["code_challenge_method"] = "plain";

        await AssertRefusedAsync(http, parameters, "invalid_request");
    }

    [Theory]
    [InlineData("https://attacker.test/signin-oidc")]
    [InlineData("https://gateway.test/signin-oidc/extra")]
    public async Task Authorize_UnregisteredRedirectUri_IsRefusedWithoutRedirecting(string redirectUri)
    {
        var http = (await environment.WithSignInPagesAsync()).CreateHttpClient();
        var parameters = OAuth.Authorize(challenge: OAuth.Challenge("a-verifier-of-enough-length-0123456789abcdef"));
        parameters["redirect_uri"] = redirectUri;

        // Never a redirect to an address the client did not register (an open redirector would carry codes away).
        var response = await AssertRefusedAsync(http, parameters, "invalid_request");
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Authorize_ImplicitFlow_IsRefused()
    {
        var http = (await environment.WithSignInPagesAsync()).CreateHttpClient();
        var parameters = OAuth.Authorize(challenge: OAuth.Challenge("a-verifier-of-enough-length-0123456789abcdef"));
        parameters["response_type"] = "token";

        await AssertRefusedAsync(http, parameters, "unsupported_response_type");
    }

    [Fact]
    public async Task Token_CodeWithWrongVerifier_IsInvalidGrant()
    {
        var http = environment.Identity.CreateHttpClient();
        var verifier = "the-right-verifier-0123456789abcdefghijklmnop";
        var location = await OAuth.AuthorizeAsync(http, TestSeed.AcmeUser, null, OAuth.Authorize(challenge: OAuth.Challenge(verifier)));
        var code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();

        var redeemed = await OAuth.RedeemAsync(http, code, "a-wrong-verifier-0123456789abcdefghijklmnop");

        Assert.Equal("invalid_grant", redeemed.Error);
        Assert.False(redeemed.Body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Token_CodeRedeemedTwice_IsRefusedTheSecondTime()
    {
        var http = environment.Identity.CreateHttpClient();
        var verifier = "another-right-verifier-0123456789abcdefghijk";
        var location = await OAuth.AuthorizeAsync(http, TestSeed.AcmeUser, null, OAuth.Authorize(challenge: OAuth.Challenge(verifier)));
        var code = QueryHelpers.ParseQuery(location.Query)["code"].ToString();
        var first = await OAuth.RedeemAsync(http, code, verifier);
        Assert.Equal(HttpStatusCode.OK, first.Status);

        var second = await OAuth.RedeemAsync(http, code, verifier);

        Assert.Equal("invalid_grant", second.Error);
        // RFC 6749 4.1.2: the tokens issued for the code are revoked too.
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(http, first.RefreshToken)).Error);
    }

    /// <summary>
    /// No code and no sign-in page: the error is shown by the identity service itself (OpenIddict redirects an
    /// error to the client only once the client and its redirect URI are validated) or sent to the registered URI.
    /// </summary>
    private static async Task<HttpResponseMessage> AssertRefusedAsync(HttpClient http, Dictionary<string, string?> parameters, string error)
    {
        var response = await http.GetAsync(QueryHelpers.AddQueryString("/identity/connect/authorize", parameters));
        if (response.StatusCode == HttpStatusCode.Found)
        {
            var location = response.Headers.Location!;
            Assert.StartsWith(TestSeed.RedirectUri + "?", location.OriginalString, StringComparison.Ordinal);
            var query = QueryHelpers.ParseQuery(location.Query);
            Assert.Equal(error, query["error"].ToString());
            Assert.False(query.ContainsKey("code"));
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("error:" + error, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        return response;
    }
}
