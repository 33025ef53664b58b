using System.Security.Cryptography;
using System.Text;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

public sealed class TotpTests
{
    // RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
    private static readonly byte[] RfcSecret = Encoding.ASCII.GetBytes("12345678901234567890");

    // RFC 6238 Appendix B, SHA-1 rows: time (s), step T, 8-digit TOTP.
    [Theory]
    [InlineData(59L, 0x1L, "94287082")]
    [InlineData(1111111109L, 0x23523ECL, "07081804")]
    [InlineData(1111111111L, 0x23523EDL, "14050471")]
    [InlineData(1234567890L, 0x273EF07L, "89005924")]
    [InlineData(2000000000L, 0x3F940AAL, "69279037")]
    [InlineData(20000000000L, 0x27BC86AAL, "65353130")]
    public void Totp_Rfc6238AppendixBSha1Vector_MatchesStepAndEightDigitCode(long unixSeconds, long expectedStep, string expected)
    {
        var step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

        Assert.Equal(expectedStep, step);
        Assert.Equal(expected, Totp.Compute(RfcSecret, step, 8));
        // The 6-digit code is the same truncated value modulo 10^6, i.e. the last six digits (RFC 4226 5.3).
        Assert.Equal(expected[2..], Totp.Compute(RfcSecret, step));
    }

    // RFC 4226 Appendix D: HOTP values for counters 0..9 with the same secret (TOTP is HOTP over the step).
    [Theory]
    [InlineData(0L, "755224")]
    [InlineData(1L, "287082")]
    [InlineData(2L, "359152")]
    [InlineData(3L, "969429")]
    [InlineData(4L, "338314")]
    [InlineData(5L, "254676")]
    [InlineData(6L, "287922")]
    [InlineData(7L, "162583")]
    [InlineData(8L, "399871")]
    [InlineData(9L, "520489")]
    public void Totp_Rfc4226AppendixDCounter_MatchesSixDigitCode(long counter, string expected) =>
        Assert.Equal(expected, Totp.Compute(RfcSecret, counter));

    [Fact]
    public void Totp_StepAt_ChangesEveryThirtySeconds()
    {
        Assert.Equal(0, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(29)));
        Assert.Equal(1, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(30)));
        Assert.Equal(1, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    // RFC 4648 section 10 test vectors, without padding.
    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void Totp_Base32Rfc4648Vector_EncodesAndDecodes(string plain, string encoded)
    {
        var bytes = Encoding.ASCII.GetBytes(plain);

        Assert.Equal(encoded, Totp.ToBase32(bytes));
        Assert.Equal(bytes, Totp.FromBase32(encoded));
    }

    [Fact]
    public void Totp_Base32WithPaddingLowerCaseAndGroups_Decodes() =>
        Assert.Equal(Encoding.ASCII.GetBytes("foobar"), Totp.FromBase32("mzxw 6ytb-oi======"));

    [Fact]
    public void Totp_Base32RandomBytes_RoundTrip()
    {
        for (var length = 0; length <= 41; length++)
        {
            var bytes = RandomNumberGenerator.GetBytes(length);
            Assert.Equal(bytes, Totp.FromBase32(Totp.ToBase32(bytes)));
        }
    }

    [Theory]
    [InlineData("MZXW1")]
    [InlineData("MZXW6YTB0I")]
    [InlineData("MZXW6!")]
    public void Totp_Base32InvalidCharacter_Throws(string text) =>
        Assert.Throws<FormatException>(() => Totp.FromBase32(text));

    [Fact]
    public void Totp_NewSecret_IsTwentyRandomBytes()
    {
        var first = Totp.NewSecret();

        Assert.Equal(20, first.Length);
        Assert.NotEqual(first, Totp.NewSecret());
    }

    [Fact]
    public void Totp_OtpAuthUri_HasLabelSecretIssuerAlgorithmDigitsAndPeriod()
    {
        var uri = Totp.OtpAuthUri("SaaS Reference", "alice@example.com", RfcSecret);

        Assert.Equal(
            "otpauth://totp/SaaS%20Reference:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
            "&issuer=SaaS%20Reference&algorithm=SHA1&digits=6&period=30",
            uri);
        Assert.Equal(RfcSecret, Totp.FromBase32(new Uri(uri).Query.Split('&')[0]["?secret=".Length..]));
    }

    [Theory]
    [InlineData("Saa:S", "alice")]
    [InlineData("SaaS", "ali:ce")]
    public void Totp_OtpAuthUriWithColon_Throws(string issuer, string account) =>
        Assert.Throws<ArgumentException>(() => Totp.OtpAuthUri(issuer, account, RfcSecret));
}
