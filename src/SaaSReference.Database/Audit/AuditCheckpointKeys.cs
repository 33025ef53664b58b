using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SaaSReference.Database.Audit;

/// <summary>A signed statement "chain C had, at seq N, the hash H" (12.4.2a).</summary>
public sealed record AuditCheckpoint(string Chain, long Seq, byte[] Hash, DateTimeOffset SignedAt, byte[] Signature, string KeyId)
{
    /// <summary>The bytes signed, documented in docs/audit.md.</summary>
    public static byte[] Payload(string chain, long seq, byte[] hash, DateTimeOffset signedAt) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture, $"saasref-audit-checkpoint-v1\n{chain}\n{seq}\n{Convert.ToHexStringLower(hash)}\n{signedAt.UtcDateTime.ToString(AuditHash.TimeFormat, CultureInfo.InvariantCulture)}"));
}

/// <summary>
/// The checkpoint keys: ECDSA P-256 with SHA-256 (.NET 10 has no Ed25519 without an extra package). The private key
/// comes from configuration (a secret store in production), never from the audit tables; verification accepts the
/// current key and any retired public keys given, so checkpoints survive a key rotation.
/// </summary>
public sealed class AuditCheckpointKeys : IDisposable
{
    private readonly ECDsa? _signing;
    private readonly Dictionary<string, ECDsa> _verifying = new(StringComparer.Ordinal);

    /// <param name="signingKeyPkcs8">The private key, PKCS#8 DER; null for a verifier only.</param>
    /// <param name="publicKeys">Further public keys (SubjectPublicKeyInfo DER) whose checkpoints are trusted.</param>
    public AuditCheckpointKeys(byte[]? signingKeyPkcs8, IEnumerable<byte[]>? publicKeys = null)
    {
        if (signingKeyPkcs8 is not null)
        {
            _signing = ECDsa.Create();
            _signing.ImportPkcs8PrivateKey(signingKeyPkcs8, out _);
            if (_signing.KeySize != 256)
            {
                throw new ArgumentException("The audit checkpoint key must be ECDSA P-256.", nameof(signingKeyPkcs8));
            }
            SigningKeyId = Add(_signing.ExportSubjectPublicKeyInfo());
        }
        foreach (var key in publicKeys ?? [])
        {
            Add(key);
        }
    }

    public string? SigningKeyId { get; }

    /// <summary>The signing key's public half (SubjectPublicKeyInfo DER), to hand to verifiers; null for a verifier.</summary>
    public byte[]? SigningPublicKey => _signing?.ExportSubjectPublicKeyInfo();

    /// <summary>A new P-256 key as PKCS#8 (for development and tests; production keys come from a secret store).</summary>
    public static byte[] NewPrivateKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKey();
    }

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    public AuditCheckpoint Sign(string chain, long seq, byte[] hash, DateTimeOffset signedAt)
    {
        var key = _signing ?? throw new InvalidOperationException("No audit checkpoint signing key is configured (Audit:CheckpointSigningKey).");
        var at = new DateTimeOffset(signedAt.UtcTicks - signedAt.UtcTicks % 10, TimeSpan.Zero);
        return new AuditCheckpoint(chain, seq, hash, at, key.SignData(AuditCheckpoint.Payload(chain, seq, hash, at), HashAlgorithmName.SHA256), SigningKeyId!);
    }

    /// <summary>True, false (forged or altered), or null when the key is not one this verifier knows.</summary>
    public bool? Verify(AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Verify(checkpoint.KeyId, AuditCheckpoint.Payload(checkpoint.Chain, checkpoint.Seq, checkpoint.Hash, checkpoint.SignedAt), checkpoint.Signature);
    }

    /// <summary>Signs <paramref name="payload"/> (an export's trailer, 12.4.2b) with the signing key: (key id, signature).</summary>
    public (string KeyId, byte[] Signature) SignPayload(byte[] payload)
    {
        var key = _signing ?? throw new InvalidOperationException("No audit checkpoint signing key is configured (Audit:CheckpointSigningKey).");
        return (SigningKeyId!, key.SignData(payload, HashAlgorithmName.SHA256));
    }

    /// <summary>True, false (forged or altered), or null when <paramref name="keyId"/> is not a key this verifier knows.</summary>
    public bool? Verify(string keyId, byte[] payload, byte[] signature) =>
        _verifying.TryGetValue(keyId, out var key) ? key.VerifyData(payload, signature, HashAlgorithmName.SHA256) : null;

    /// <summary>The ids of the keys this verifier trusts.</summary>
    public IReadOnlyCollection<string> TrustedKeyIds => _verifying.Keys;

    private string Add(byte[] subjectPublicKeyInfo)
    {
        var id = KeyIdOf(subjectPublicKeyInfo);
        if (!_verifying.ContainsKey(id))
        {
            var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            _verifying[id] = key;
        }
        return id;
    }

    public void Dispose()
    {
        _signing?.Dispose();
        foreach (var key in _verifying.Values)
        {
            key.Dispose();
        }
    }
}
