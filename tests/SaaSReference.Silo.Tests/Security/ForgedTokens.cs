using System.Security.Cryptography;
using SaaSReference.Database.Keys;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>Tokens that a validator must refuse, each broken in one way only, otherwise like a valid operator token.</summary>
internal static class ForgedTokens
{
    public static string Make(TokenMinter tokens, string kind)
    {
        var operatorClaims = new Dictionary<string, object> { ["sub"] = "op-eve", ["role"] = Roles.Operator };
        return kind switch
        {
            "expired" => tokens.Mint(operatorClaims, d => (d.IssuedAt, d.NotBefore, d.Expires) =
                (DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(-1))),
            "no-exp" => tokens.Mint(operatorClaims, d => (d.IssuedAt, d.NotBefore, d.Expires) = (null, null, null), defaultTimes: false),
            "tampered-signature" => FlipSignature(tokens.Operator()),
            "tampered-payload" => SwapPayload(tokens.TenantUser("acme"), tokens.Operator()),
            "wrong-issuer" => tokens.Mint(operatorClaims, d => d.Issuer = "http://127.0.0.1:9999/identity/"),
            "wrong-audience" => tokens.Mint(operatorClaims, d => d.Audience = "some-other-api"),
            "unknown-kid" => UnknownKey(operatorClaims),
            "alg-none" => tokens.Unsigned(tokens.Operator()),
            "hs256-public-key" => tokens.HmacWithPublicKey(operatorClaims),
            "id-token" => tokens.Mint(operatorClaims, d => d.TokenType = "JWT"),
            "no-tenant-no-role" => tokens.Mint(new() { ["sub"] = "nobody" }),
            "tenant-and-operator" => tokens.Mint(new() { ["sub"] = "mallory", ["tenant_id"] = "acme", ["role"] = Roles.Operator }),
            "two-tenants" => tokens.Mint(new() { ["sub"] = "mallory", ["tenant_id"] = new[] { "acme", "globex" } }),
            "malformed-tenant" => tokens.Mint(new() { ["sub"] = "mallory", ["tenant_id"] = "ACME/../x" }),
            "not-a-jwt" => "definitely-not-a-token",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static string FlipSignature(string token)
    {
        var parts = token.Split('.');
        var middle = parts[2].Length / 2;
        var flipped = parts[2][middle] == 'A' ? 'B' : 'A';
        return $"{parts[0]}.{parts[1]}.{parts[2][..middle]}{flipped}{parts[2][(middle + 1)..]}";
    }

    private static string SwapPayload(string signedToken, string payloadSource)
    {
        var signed = signedToken.Split('.');
        return $"{signed[0]}.{payloadSource.Split('.')[1]}.{signed[2]}";
    }

    private static string UnknownKey(Dictionary<string, object> claims)
    {
        using var rsa = RSA.Create(2048);
        var stranger = new StoredCredentialKey("unknown-" + Guid.NewGuid().ToString("N"), "sig", "RS256",
            rsa.ExportParameters(true), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        return new TokenMinter(SecuredSiloFactory.Issuer, SecuredSiloFactory.Audience, stranger).Mint(claims);
    }
}

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
