using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SaaSReference.Silo.Security;

/// <summary>
/// How the silo validates the identity service's access tokens itself, for every request, whether or not it
/// came through the gateway (9.1.2a, 13.2.2c: internal traffic is authenticated too).
/// </summary>
public static class AccessTokenValidation
{
    public const string IssuerKey = "Identity:Issuer";
    public const string AudienceKey = "Identity:Audience";
    public const string DefaultAudience = "saasreference-api";

    /// <summary>Tokens may be this far past their expiry (clock drift between the identity hosts and this one).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler HeaderReader = new();

    public static void Configure(JwtBearerOptions options, IConfiguration configuration, SigningKeyCache keys)
    {
        // No Authority or MetadataAddress: keys come from PostgreSQL, never from an HTTP call at run time.
        options.MapInboundClaims = false;
        options.SaveToken = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            // Without a configured issuer every token fails issuer validation: closed, not open.
            ValidIssuer = NormalizeIssuer(configuration[IssuerKey]),
            ValidateIssuer = true,
            ValidAudience = configuration[AudienceKey] is { Length: > 0 } audience ? audience : DefaultAudience,
            ValidateAudience = true,
            RequireAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = ClockSkew,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            // RS256 only: refuses "none" and HS256 signed with the public key as the secret (key confusion).
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            // Only access tokens: an ID token (typ JWT) replayed as a bearer token is refused.
            ValidTypes = PlatformClaims.AccessTokenTypes,
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.Resolve(kid),
            TryAllIssuerSigningKeys = false,
            NameClaimType = PlatformClaims.Subject,
            RoleClaimType = PlatformClaims.Role,
        };
        options.Events = new JwtBearerEvents
        {
            // The key resolver above is synchronous; make sure the cache knows the token's key before it runs.
            // A request without a readable token cannot make the silo query the database.
            OnMessageReceived = context => KeyIdOf(context.Request) is { } kid
                ? keys.EnsureFreshAsync(kid, context.HttpContext.RequestAborted).AsTask()
                : Task.CompletedTask,
            OnTokenValidated = context =>
            {
                if (PlatformClaims.Reject(context.Principal!) is { } reason)
                {
                    context.Fail(reason);
                }
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>
    /// The identity service adds a trailing slash to its issuer URL and tokens carry it so; issuers are then
    /// compared exactly, so configure the same URL in both places (with or without the slash).
    /// </summary>
    public static string? NormalizeIssuer(string? issuer) =>
        string.IsNullOrWhiteSpace(issuer) ? null : issuer.EndsWith('/') ? issuer : issuer + "/";

    /// <summary>The <c>kid</c> of the bearer token's header, read without validating anything.</summary>
    private static string? KeyIdOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = header[Prefix.Length..].Trim();
        if (!HeaderReader.CanReadToken(token))
        {
            return null;
        }
        try
        {
            return HeaderReader.ReadJsonWebToken(token).Kid;
        }
        catch (SecurityTokenMalformedException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
