using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>
/// A stand-in for the identity service, just enough for the gateway's client: a discovery document (with a
/// signing key) and a token endpoint whose answer each test chooses. Issuer and endpoints live at its root.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "fake-1" };
    private readonly ConcurrentQueue<Dictionary<string, string>> _tokenRequests = new();
    private WebApplication? _app;

    public int Port { get; } = FreePort.Next();
    public string Authority => $"http://127.0.0.1:{Port}/";
    public string AuthorizeEndpoint => Authority + "connect/authorize";
    public string EndSessionEndpoint => Authority + "connect/endsession";

    /// <summary>The form fields of every token request received, in order.</summary>
    public IReadOnlyCollection<Dictionary<string, string>> TokenRequests => _tokenRequests;

    /// <summary>How the token endpoint answers; by default it refuses every grant.</summary>
    public Func<IResult> TokenResponse { get; set; } = () => Refuse();

    /// <summary>How long the token endpoint waits before it answers (to make requests overlap).</summary>
    public TimeSpan TokenDelay { get; set; }

    public static IResult Issue(string accessToken, string refreshToken, int expiresIn = 3600) => Results.Json(new Dictionary<string, object>
    {
        ["access_token"] = accessToken,
        ["refresh_token"] = refreshToken,
        ["token_type"] = "Bearer",
        ["expires_in"] = expiresIn,
    });

    /// <summary>A JWT signed with the key the discovery document publishes, issued by this authority.</summary>
    public string CreateJwt(IDictionary<string, object> claims, string audience) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Authority,
        Audience = audience,
        Claims = claims,
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
    });

    public static IResult Refuse() => Results.Json(new { error = "invalid_grant", error_description = "The refresh token is no longer valid." }, statusCode: 400);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["authorization_endpoint"] = AuthorizeEndpoint,
            ["token_endpoint"] = Authority + "connect/token",
            ["end_session_endpoint"] = EndSessionEndpoint,
            ["jwks_uri"] = Authority + "jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(_key);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });
        app.MapPost("/connect/token", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            _tokenRequests.Enqueue(form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal));
            await Task.Delay(TokenDelay);
            return TokenResponse();
        });
        await app.StartAsync();
        _app = app;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        _key.Rsa.Dispose();
    }
}
