using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>A token endpoint answer: the HTTP status and the JSON body (tokens or an OAuth error).</summary>
public sealed record TokenResponse(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Message)
{
    public string? Error => Body.TryGetProperty("error", out var e) ? e.GetString() : null;
    public string AccessToken => Body.GetProperty("access_token").GetString()!;
    public string RefreshToken => Body.GetProperty("refresh_token").GetString()!;
    public JsonWebToken Jwt => new(AccessToken);
}

/// <summary>The OAuth 2.0 / OpenID Connect requests of the tests, as a client would send them.</summary>
public static class OAuth
{
    public const string AllScopes = "openid profile email offline_access api";

    public static Task<TokenResponse> ClientCredentialsAsync(HttpClient http, string clientId, string secret, string? scope = "api",
        IDictionary<string, string>? extra = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret };
        if (scope is not null) form["scope"] = scope;
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) form[key] = value;
        return PostAsync(http, "connect/token", form);
    }

    public static Task<TokenResponse> RefreshAsync(HttpClient http, string refreshToken) => PostAsync(http, "connect/token", Gateway(new()
    {
        ["grant_type"] = "refresh_token",
        ["refresh_token"] = refreshToken,
    }));

    public static Task<TokenResponse> IntrospectAsync(HttpClient http, string token, string clientId = TestSeed.ApiClientId,
        string secret = TestSeed.ApiSecret) =>
        PostAsync(http, "connect/introspect", new() { ["token"] = token, ["client_id"] = clientId, ["client_secret"] = secret });

    public static Task<TokenResponse> RevokeAsync(HttpClient http, string token) =>
        PostAsync(http, "connect/revoke", Gateway(new() { ["token"] = token }));

    /// <summary>The code flow of the gateway: authorize (signed in as <paramref name="email"/>), then redeem the code.</summary>
    public static async Task<TokenResponse> SignInAsync(HttpClient http, string email, string? methods = null, string scope = AllScopes)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var location = await AuthorizeAsync(http, email, methods, Authorize(scope, Challenge(verifier)));
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.True(query.ContainsKey("code"), $"no code in {location}");
        return await RedeemAsync(http, query["code"]!, verifier);
    }

    public static Task<TokenResponse> RedeemAsync(HttpClient http, string code, string verifier) =>
        PostAsync(http, "connect/token", Gateway(new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = TestSeed.RedirectUri,
            ["code_verifier"] = verifier,
        }));

    /// <summary>The authorize request's parameters for the gateway client.</summary>
    public static Dictionary<string, string?> Authorize(string scope = AllScopes, string? challenge = null) => new()
    {
        ["client_id"] = TestSeed.GatewayClientId,
        ["response_type"] = "code",
        ["redirect_uri"] = TestSeed.RedirectUri,
        ["scope"] = scope,
        ["state"] = "state-123",
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = challenge is null ? null : "S256",
    };

    /// <summary>GET connect/authorize; returns where the browser is sent (the client's redirect URI, with a code or an error).</summary>
    public static async Task<Uri> AuthorizeAsync(HttpClient http, string? email, string? methods, Dictionary<string, string?> parameters)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            QueryHelpers.AddQueryString("/identity/connect/authorize", parameters.Where(p => p.Value is not null)));
        if (email is not null) request.Headers.Add(TestSignIn.UserHeader, email);
        if (methods is not null) request.Headers.Add(TestSignIn.MethodsHeader, methods);
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Found,
            $"authorize answered {(int)response.StatusCode} {response.Headers.Location}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    public static string Challenge(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static async Task<TokenResponse> PostAsync(HttpClient http, string endpoint, Dictionary<string, string> form)
    {
        var response = await http.PostAsync("/identity/" + endpoint, new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
        return new TokenResponse(response.StatusCode, body, response);
    }

    private static Dictionary<string, string> Gateway(Dictionary<string, string> form)
    {
        form["client_id"] = TestSeed.GatewayClientId;
        form["client_secret"] = TestSeed.GatewaySecret;
        return form;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
