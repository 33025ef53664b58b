using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>What the gateway does as an OAuth client: an authorize URL with PKCE, and the token endpoint.</summary>
public sealed class OidcClient
{
    public const string Scopes = "openid profile email offline_access api";

    public string Verifier { get; } = Base64Url(RandomNumberGenerator.GetBytes(32));

    public string State { get; } = Base64Url(RandomNumberGenerator.GetBytes(16));

    public string AuthorizeUrl => QueryHelpers.AddQueryString("/identity/connect/authorize", new Dictionary<string, string?>
    {
        ["client_id"] = TestSeed.GatewayClientId,
        ["response_type"] = "code",
        ["redirect_uri"] = TestSeed.RedirectUri,
        ["scope"] = Scopes,
        ["state"] = State,
        ["nonce"] = Base64Url(RandomNumberGenerator.GetBytes(16)),
        ["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier))),
        ["code_challenge_method"] = "S256",
    });

    /// <summary>The code of a redirect to the client, after checking that it is for this request.</summary>
    public string CodeFrom(BrowserPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        Assert.True(page.LeftService, $"Expected a redirect to the client, got {page.Status} {page.Url}: {page.Document.Body?.TextContent}");
        Assert.Equal(TestSeed.RedirectUri, page.Url.GetLeftPart(UriPartial.Path));
        Assert.Equal(State, page.Query("state"));
        return page.Query("code") ?? throw new InvalidOperationException($"No code in {page.Url} (error {page.Query("error")}).");
    }

    public Task<TokenResult> RedeemAsync(HttpClient http, string code) => TokenAsync(http, new Dictionary<string, string>
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = TestSeed.RedirectUri,
        ["code_verifier"] = Verifier,
    });

    private static async Task<TokenResult> TokenAsync(HttpClient http, Dictionary<string, string> form)
    {
        form["client_id"] = TestSeed.GatewayClientId;
        form["client_secret"] = TestSeed.GatewaySecret;
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync(new Uri("/identity/connect/token", UriKind.Relative), content);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return new TokenResult((int)response.StatusCode, json);
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A token endpoint answer: status and JSON, with the JWT payloads decoded for assertions.</summary>
public sealed record TokenResult(int Status, JsonElement Json)
{
    public string? Get(string name) => Json.TryGetProperty(name, out var value) ? value.GetString() : null;

    public string AccessToken => Get("access_token") ?? throw new InvalidOperationException($"No access token: {Json}");

    public JsonElement AccessTokenClaims => Payload(AccessToken);

    public JsonElement IdTokenClaims => Payload(Get("id_token") ?? throw new InvalidOperationException($"No id token: {Json}"));

    /// <summary>A claim as a list of strings, whether the JWT holds one value or an array.</summary>
    public static IReadOnlyList<string> Values(JsonElement claims, string name) =>
        !claims.TryGetProperty(name, out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(v => v.GetString()!)]
        : [value.GetString()!];

    private static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + (4 - part.Length % 4) % 4, '=');
        return JsonDocument.Parse(Convert.FromBase64String(part)).RootElement.Clone();
    }
}
