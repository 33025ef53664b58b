using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SaaSReference.Database.TenantData.Keys;

/// <summary>
/// Application-layer encryption of entrusted data with a tenant's data key (10.1.2b): AES-256-GCM, a random 96-bit nonce
/// per message, the place of the data (tenant, collection, id...) as associated data so that ciphertext moved to another
/// row, record or tenant fails to decrypt. Layout: format byte (1), key version (4, big-endian), nonce (12), tag (16),
/// ciphertext.
/// </summary>
public static class TenantCipher
{
    public const byte Format = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    public const int Overhead = 1 + 4 + NonceSize + TagSize;

    public static byte[] Encrypt(TenantDataKey key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(key);
        var output = new byte[Overhead + plaintext.Length];
        output[0] = Format;
        BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(1, 4), key.Version);
        var nonce = output.AsSpan(5, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Material.Span, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(Overhead), output.AsSpan(5 + NonceSize, TagSize), associatedData);
        return output;
    }

    /// <summary>The key version a ciphertext needs.</summary>
    public static int KeyVersionOf(ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < Overhead || ciphertext[0] != Format)
        {
            throw new CryptographicException("Not a tenant ciphertext of a known format.");
        }
        return BinaryPrimitives.ReadInt32BigEndian(ciphertext.Slice(1, 4));
    }

    /// <summary>Decrypts; throws <see cref="CryptographicException"/> when the key, the place or the bytes are not the ones it was written with.</summary>
    public static byte[] Decrypt(TenantDataKey key, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (KeyVersionOf(ciphertext) != key.Version)
        {
            throw new CryptographicException($"The ciphertext needs key version {KeyVersionOf(ciphertext)}, not {key.Version}.");
        }
        var plaintext = new byte[ciphertext.Length - Overhead];
        using var aes = new AesGcm(key.Material.Span, TagSize);
        aes.Decrypt(ciphertext.Slice(5, NonceSize), ciphertext[Overhead..], ciphertext.Slice(5 + NonceSize, TagSize), plaintext, associatedData);
        return plaintext;
    }

    /// <summary>Decrypts with whichever version of the tenant's key the ciphertext names.</summary>
    public static async ValueTask<byte[]> DecryptAsync(ITenantKeyring keyring, string tenantId, ReadOnlyMemory<byte> ciphertext, ReadOnlyMemory<byte> associatedData,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        var key = await keyring.GetAsync(tenantId, KeyVersionOf(ciphertext.Span), cancellationToken);
        return Decrypt(key, ciphertext.Span, associatedData.Span);
    }

    /// <summary>
    /// A blind-index token: an HMAC-SHA256, under a key derived from the data key, of a field name and a value. Equal values
    /// give equal tokens under one key version, and the store learns nothing else about the value.
    /// </summary>
    public static byte[] IndexToken(TenantDataKey key, string field, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> indexKey = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Material.Span, indexKey, salt: [], info: "saasref blind index v1"u8);
        var message = Encoding.UTF8.GetBytes(field + "\0" + value);
        var token = HMACSHA256.HashData(indexKey, message);
        CryptographicOperations.ZeroMemory(indexKey);
        return token[..16];
    }

    /// <summary>
    /// The tokens of a JSON object's top-level scalar fields: strings by their text, numbers by their JSON text, true/false.
    /// Nested objects, arrays and nulls are not indexed.
    /// </summary>
    public static byte[][] IndexTokens(TenantDataKey key, JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        var tokens = new List<byte[]>();
        foreach (var property in document.EnumerateObject())
        {
            if (IndexedText(property.Value) is { } text)
            {
                tokens.Add(IndexToken(key, property.Name, text));
            }
        }
        return [.. tokens];
    }

    /// <summary>The text a scalar is indexed by, or null for what is not indexed.</summary>
    public static string? IndexedText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}

/// <summary>The associated data that binds each kind of ciphertext to its place.</summary>
public static class TenantDataAad
{
    public static byte[] Record(string tenantId, string collection, string id) => Encoding.UTF8.GetBytes($"record\0{tenantId}\0{collection}\0{id}");

    public static byte[] FileChunk(string tenantId, Guid uploadId, int chunkNo) =>
        Encoding.UTF8.GetBytes($"file-chunk\0{tenantId}\0{uploadId:N}\0{chunkNo.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    public static byte[] FileMetadata(string tenantId, string collection, string id) => Encoding.UTF8.GetBytes($"file-metadata\0{tenantId}\0{collection}\0{id}");

    public static byte[] BackupChunk(string tenantId, Guid backupId, long chunkNo) =>
        Encoding.UTF8.GetBytes($"backup\0{tenantId}\0{backupId:N}\0{chunkNo.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
}
