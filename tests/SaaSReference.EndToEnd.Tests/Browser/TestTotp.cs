using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace SaaSReference.EndToEnd.Tests.Browser;

/// <summary>
/// RFC 6238 codes computed by the test itself (HMAC-SHA1, 30 s, 6 digits), independently of the identity
/// service's implementation, as an authenticator app would.
/// </summary>
internal static class TestTotp
{
    public static long StepNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    public static string Code(string base32Secret, long step)
    {
        var counter = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(FromBase32(base32Secret), counter);
        var offset = hash[^1] & 0x0F;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7FFFFFFF) % 1_000_000;
        return binary.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>A six-digit string that is not a valid code for the current window.</summary>
    public static string WrongCode(string base32Secret)
    {
        var valid = Enumerable.Range(-2, 5).Select(d => Code(base32Secret, StepNow() + d)).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).First(c => !valid.Contains(c));
    }

    private static byte[] FromBase32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var clean = text.Trim().Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }
}
