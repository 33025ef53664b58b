using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SaaSReference.Database.Keys;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>Mints access tokens shaped like OpenIddict's (typ <c>at+jwt</c>, RS256, <c>kid</c>), and broken variants.</summary>
public sealed class TokenMinter(string issuer, string audience, StoredCredentialKey key)
{
    public string KeyId => key.KeyId;

    public SigningCredentials Credentials => new(new RsaSecurityKey(key.Parameters) { KeyId = key.KeyId }, SecurityAlgorithms.RsaSha256);

    public string Operator(string subject = "op-alice", params string[] roles) =>
        Mint(new() { ["sub"] = subject, ["role"] = roles.Length == 0 ? [Roles.Operator] : roles });

    public string TenantUser(string tenantId, string subject = "user-bob") =>
        Mint(new() { ["sub"] = subject, ["tenant_id"] = tenantId });

    public string TenantAdmin(string tenantId, string subject = "admin-carol") =>
        Mint(new() { ["sub"] = subject, ["tenant_id"] = tenantId, ["role"] = new[] { Roles.TenantAdmin } });

    public string Mint(Dictionary<string, object> claims, Action<SecurityTokenDescriptor>? tweak = null, bool defaultTimes = true)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = Credentials,
            TokenType = "at+jwt",
        };
        tweak?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = defaultTimes }.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with a valid token's claims and this key's kid.</summary>
    public string Unsigned(string validToken)
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"none","typ":"at+jwt","kid":"{{KeyId}}"}"""));
        return $"{header}.{validToken.Split('.')[1]}.";
    }

    /// <summary>HS256 with the public key as the HMAC secret: the classic algorithm-confusion forgery.</summary>
    public string HmacWithPublicKey(Dictionary<string, object> claims)
    {
        using var rsa = RSA.Create(new RSAParameters { Modulus = key.Parameters.Modulus, Exponent = key.Parameters.Exponent });
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem())) { KeyId = KeyId };
        return Mint(claims, descriptor => descriptor.SigningCredentials = new SigningCredentials(secret, SecurityAlgorithms.HmacSha256));
    }
}
