using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SaaSReference.Database.Keys;

/// <summary>
/// The few JSON Web Key (RFC 7517/7518) operations the key store needs, on plain
/// <see cref="System.Security.Cryptography"/> types, so that this project needs no token library.
/// </summary>
internal static class RsaJwk
{
    /// <summary>RFC 7638 thumbprint: the key id is bound to the key, and two instances can never reuse one.</summary>
    public static string Thumbprint(RSAParameters key)
    {
        // Members in lexicographic order, no whitespace (RFC 7638 section 3.2); base64url needs no escaping.
        var canonical = $$"""{"e":"{{Base64Url.EncodeToString(key.Exponent)}}","kty":"RSA","n":"{{Base64Url.EncodeToString(key.Modulus)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>The public JWK of <paramref name="key"/>; private members are never written.</summary>
    public static string ToPublicJson(RSAParameters key, string keyId, string use, string algorithm)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kty", "RSA");
            json.WriteString("use", use);
            json.WriteString("alg", algorithm);
            json.WriteString("kid", keyId);
            json.WriteString("n", Base64Url.EncodeToString(key.Modulus));
            json.WriteString("e", Base64Url.EncodeToString(key.Exponent));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Modulus and exponent of a stored public JWK.</summary>
    /// <exception cref="FormatException">The JSON is not an RSA public JWK.</exception>
    public static RSAParameters ParsePublic(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || Member(root, "kty") != "RSA")
        {
            throw new FormatException("The stored public key is not an RSA JWK.");
        }
        return new RSAParameters
        {
            Modulus = Base64Url.DecodeFromChars(Member(root, "n") ?? throw new FormatException("The JWK has no 'n'.")),
            Exponent = Base64Url.DecodeFromChars(Member(root, "e") ?? throw new FormatException("The JWK has no 'e'.")),
        };
    }

    private static string? Member(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
