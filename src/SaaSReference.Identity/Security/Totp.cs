using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SaaSReference.Identity.Security;

/// <summary>
/// Time-based one-time passwords as RFC 6238 defines them on top of HOTP (RFC 4226): HMAC-SHA1, a 30-second
/// step counted from the Unix epoch, 6 digits. These are the parameters every authenticator app supports;
/// they are also written into the <c>otpauth://</c> URI so that no app has to guess (9.2.3a, 13.2.2d).
/// </summary>
public static class Totp
{
    /// <summary>The time step X of RFC 6238 section 4.1, in seconds.</summary>
    public const int StepSeconds = 30;

    /// <summary>The number of digits of a code.</summary>
    public const int Digits = 6;

    /// <summary>The length of a new secret: 160 bits, the HMAC-SHA1 output size that RFC 4226 section 4 recommends.</summary>
    public const int SecretLength = 20;

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>The step T = floor((time - T0) / X) with T0 = the Unix epoch (RFC 6238 section 4.2).</summary>
    public static long StepAt(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        ArgumentOutOfRangeException.ThrowIfNegative(seconds, nameof(time));
        return seconds / StepSeconds;
    }

    /// <summary>The 6-digit code for <paramref name="step"/>.</summary>
    public static string Compute(byte[] secret, long step) => Compute(secret, step, Digits);

    /// <summary>
    /// The code of <paramref name="digits"/> digits (6 to 8) for <paramref name="step"/>: HOTP with the step
    /// as the 8-byte big-endian counter, then the dynamic truncation of RFC 4226 section 5.3.
    /// </summary>
    public static string Compute(byte[] secret, long step, int digits)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 8);

        Span<byte> counter = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        // SHA-1 here is HMAC-SHA1, the algorithm RFC 6238 and authenticator apps use; HMAC does not depend on
        // SHA-1's collision resistance.
        HMACSHA1.HashData(secret, counter, hash);

        var offset = hash[^1] & 0x0F;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash.Slice(offset, 4)) & 0x7FFF_FFFF;
        var modulus = (int)Math.Pow(10, digits);
        return (binary % modulus).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>A new random secret of <see cref="SecretLength"/> bytes.</summary>
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretLength);

    /// <summary>RFC 4648 base32, upper case, without padding (what authenticator apps expect).</summary>
    public static string ToBase32(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var text = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var value in data)
        {
            buffer = ((buffer << 8) | value) & 0xFFFF;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Base32Alphabet[(buffer >> bits) & 0x1F]);
            }
        }
        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 0x1F]);
        }
        return text.ToString();
    }

    /// <summary>
    /// Decodes RFC 4648 base32, ignoring case, padding, spaces and hyphens (people type keys as shown, in groups).
    /// </summary>
    /// <exception cref="FormatException">A character outside the base32 alphabet.</exception>
    public static byte[] FromBase32(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var character in text)
        {
            if (character is ' ' or '-' or '=')
            {
                continue;
            }
            var value = Base32Alphabet.IndexOf(char.ToUpperInvariant(character), StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException("The text is not base32.");
            }
            buffer = ((buffer << 5) | value) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
            }
        }
        return [.. bytes];
    }

    /// <summary>
    /// The Key URI that authenticator apps scan: <c>otpauth://totp/Issuer:account?secret=...&amp;issuer=...</c>
    /// with the algorithm, digits and period spelled out. Neither issuer nor account may contain a colon, which
    /// separates them in the label.
    /// </summary>
    public static string OtpAuthUri(string issuer, string account, byte[] secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        ArgumentException.ThrowIfNullOrWhiteSpace(account);
        ArgumentNullException.ThrowIfNull(secret);
        if (issuer.Contains(':', StringComparison.Ordinal) || account.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("Neither the issuer nor the account of an otpauth URI may contain a colon.");
        }

        var escapedIssuer = Uri.EscapeDataString(issuer);
        return string.Create(CultureInfo.InvariantCulture,
            $"otpauth://totp/{escapedIssuer}:{Uri.EscapeDataString(account)}?secret={ToBase32(secret)}" +
            $"&issuer={escapedIssuer}&algorithm=SHA1&digits={Digits}&period={StepSeconds}");
    }
}
