using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SaaSReference.Database.Keys;

/// <summary>
/// What makes an access token of the identity service valid, for every process that checks one: the silo, which
/// authenticates callers with it (9.1.2a, 13.2.2c), and the gateway, which charges a request to the token's tenant
/// (12.1.3b) and so must not believe a forged one. One definition, so the two cannot drift apart.
/// </summary>
public static class AccessTokenParameters
{
    public const string DefaultAudience = "saasreference-api";

    /// <summary>Tokens may be this far past their expiry (clock drift between the identity hosts and this one).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The header <c>typ</c> of an OAuth 2.0 JWT access token (RFC 9068); ID tokens carry <c>JWT</c>.</summary>
    public static readonly string[] AccessTokenTypes = ["at+jwt", "application/at+jwt"];

    private static readonly JsonWebTokenHandler HeaderReader = new();

    /// <summary>
    /// The validation rules. Keys come from <paramref name="keys"/> (PostgreSQL), never from an HTTP call at run
    /// time. Without an <paramref name="issuer"/> every token fails issuer validation: closed, not open.
    /// </summary>
    public static TokenValidationParameters Create(string? issuer, string? audience, SigningKeyCache keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new TokenValidationParameters
        {
            ValidIssuer = NormalizeIssuer(issuer),
            ValidateIssuer = true,
            ValidAudience = string.IsNullOrWhiteSpace(audience) ? DefaultAudience : audience,
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
            ValidTypes = AccessTokenTypes,
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.Resolve(kid),
            TryAllIssuerSigningKeys = false,
            NameClaimType = AccessTokenClaims.Subject,
            RoleClaimType = AccessTokenClaims.Role,
        };
    }

    /// <summary>
    /// The identity service adds a trailing slash to its issuer URL and tokens carry it so; issuers are then
    /// compared exactly, so configure the same URL in both places (with or without the slash).
    /// </summary>
    public static string? NormalizeIssuer(string? issuer) =>
        string.IsNullOrWhiteSpace(issuer) ? null : issuer.EndsWith('/') ? issuer : issuer + "/";

    /// <summary>The token of an <c>Authorization: Bearer</c> header value, or null for any other header.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string Prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = authorization[Prefix.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>
    /// The <c>kid</c> of a token's header, read without validating anything: the key cache needs it before the
    /// (synchronous) key resolver runs. Null when the token cannot be read.
    /// </summary>
    public static string? KeyIdOf(string? token)
    {
        if (token is null || !HeaderReader.CanReadToken(token))
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
