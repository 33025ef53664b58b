using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace SaaSReference.Load.Browser;

/// <summary>
/// What an authenticator app does with the key it was given at enrollment (9.2.3a): RFC 6238 TOTP codes
/// (HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits by default) from the base32 key (RFC 4648).
/// Written here, not borrowed from the identity service, so that the runner checks the service against the
/// standard and not against itself.
/// </summary>
public static class Totp
{
    public const int StepSeconds = 30;

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>The step a time falls in.</summary>
    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>When a step begins.</summary>
    public static DateTimeOffset StartOf(long step) => DateTimeOffset.FromUnixTimeSeconds(step * StepSeconds);

    /// <summary>The code of <paramref name="step"/> for <paramref name="key"/> (RFC 6238 section 4, RFC 4226 section 5.3).</summary>
    public static string Code(ReadOnlySpan<byte> key, long step, int digits = 6)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 8);
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(key, counter, hash);
        var offset = hash[^1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7FFF_FFFF;
        var modulo = 1;
        for (var i = 0; i < digits; i++)
        {
            modulo *= 10;
        }
        return (binary % modulo).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>The key an enrollment page shows (base32, any case, spaces and padding ignored) as bytes.</summary>
    /// <exception cref="FormatException">A character outside the base32 alphabet.</exception>
    public static byte[] FromBase32(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new List<byte>(text.Length * 5 / 8);
        var buffer = 0;
        var bits = 0;
        foreach (var c in text)
        {
            if (c is ' ' or '=' or '-')
            {
                continue;
            }
            var value = Base32Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not a base32 character.");
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }
        return [.. bytes];
    }
}
