using System.Security.Cryptography;

namespace SaaSReference.Database.Keys;

/// <summary>What a credential key is for, as stored in <c>identity.credential_keys.use</c>.</summary>
public static class CredentialKeyUse
{
    /// <summary>Signs tokens (RS256); its public JWK is published to validators.</summary>
    public const string Signing = "sig";

    /// <summary>Encrypts tokens that only the identity service reads (RSA-OAEP).</summary>
    public const string Encryption = "enc";
}

/// <summary>
/// A live credential key with its RSA private key, for the identity service's OpenIddict configuration
/// (wrap <see cref="Parameters"/> in an <c>RsaSecurityKey</c> with <c>KeyId = KeyId</c>).
/// </summary>
/// <param name="KeyId">The JWK <c>kid</c> (RFC 7638 thumbprint of the public key).</param>
/// <param name="Use"><see cref="CredentialKeyUse.Signing"/> or <see cref="CredentialKeyUse.Encryption"/>.</param>
/// <param name="Algorithm"><c>RS256</c> or <c>RSA-OAEP</c>.</param>
/// <param name="Parameters">The full RSA key, private part included: keep it in memory only.</param>
/// <param name="ActivatesAt">From when the key may be used (its creation).</param>
/// <param name="ExpiresAt">After this the key is neither used nor trusted.</param>
public sealed record StoredCredentialKey(
    string KeyId,
    string Use,
    string Algorithm,
    RSAParameters Parameters,
    DateTimeOffset ActivatesAt,
    DateTimeOffset ExpiresAt);

/// <summary>The public half of a live signing key, for token validators.</summary>
/// <param name="KeyId">The JWK <c>kid</c> that tokens signed with this key carry in their header.</param>
/// <param name="Algorithm">Always <c>RS256</c> today.</param>
/// <param name="Parameters">Modulus and exponent only.</param>
/// <param name="ExpiresAt">After this, tokens signed with the key are no longer trusted.</param>
public sealed record PublicSigningKey(
    string KeyId,
    string Algorithm,
    RSAParameters Parameters,
    DateTimeOffset ExpiresAt);
