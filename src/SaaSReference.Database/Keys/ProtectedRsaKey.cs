using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace SaaSReference.Database.Keys;

/// <summary>A newly generated RSA key in the form it is stored: id, public JWK (signing only), protected private key.</summary>
internal sealed record ProtectedRsaKey(string KeyId, string? PublicJwk, string PrivateKeyProtected)
{
    public static ProtectedRsaKey Generate(string use, string algorithm, int keySizeBits, IDataProtector protector)
    {
        using var rsa = RSA.Create(keySizeBits);
        var publicKey = rsa.ExportParameters(includePrivateParameters: false);
        var kid = RsaJwk.Thumbprint(publicKey);
        var pkcs8 = rsa.ExportPkcs8PrivateKey();
        try
        {
            // An encryption key's public half is of no use to anyone but the identity service itself.
            var jwk = use == CredentialKeyUse.Signing ? RsaJwk.ToPublicJson(publicKey, kid, use, algorithm) : null;
            return new ProtectedRsaKey(kid, jwk, Convert.ToBase64String(ProtectorFor(protector, use, kid).Protect(pkcs8)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public static RSAParameters Unprotect(IDataProtector protector, string use, string kid, string privateKeyProtected)
    {
        var pkcs8 = ProtectorFor(protector, use, kid).Unprotect(Convert.FromBase64String(privateKeyProtected));
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return rsa.ExportParameters(includePrivateParameters: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    // Bound to the row's use and kid: a payload copied to another row, or a row relabelled from 'enc' to
    // 'sig', no longer unprotects.
    private static IDataProtector ProtectorFor(IDataProtector protector, string use, string kid) => protector.CreateProtector(use, kid);
}
