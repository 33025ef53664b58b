using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>Length over composition, and no common or name-based password (6.2.1d, 9.2.4a; OWASP ASVS 5.0 6.2.x).</summary>
public sealed class PasswordPolicyTests
{
    [Fact]
    public void PasswordPolicy_ElevenCharacters_TooShort() =>
        Assert.Equal([PasswordPolicy.TooShort], PasswordPolicy.Check("zebra-lamp9", null, null));

    [Fact]
    public void PasswordPolicy_TwelveCharacters_Accepted() =>
        Assert.Empty(PasswordPolicy.Check("zebra-lamp-9", null, null));

    [Fact]
    public void PasswordPolicy_EmptyPassword_TooShort() =>
        Assert.Equal([PasswordPolicy.TooShort], PasswordPolicy.Check(string.Empty, "alice", null));

    // Length is what a person sees: 11 flags are 44 UTF-16 units but 11 characters; 12 decomposed accented
    // letters are 24 units but 12 characters.
    [Fact]
    public void PasswordPolicy_Length_CountsTextElementsNotUtf16Units()
    {
        var elevenFlags = string.Concat(Enumerable.Repeat("\U0001F1EB\U0001F1F7", 11));
        var twelveDecomposed = string.Concat("qwzkvbnmhjgp".Select(c => $"{c}\u0301"));

        Assert.Equal([PasswordPolicy.TooShort], PasswordPolicy.Check(elevenFlags, null, null));
        Assert.Empty(PasswordPolicy.Check(twelveDecomposed, null, null));
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("Grüße aus Köln, 東京 und Zürich")]
    [InlineData("    leading and trailing spaces count    ")]
    [InlineData("onlylowercaselettersbutlong")]
    public void PasswordPolicy_LongPassphraseWithoutComposition_Accepted(string password) =>
        Assert.Empty(PasswordPolicy.Check(password, "alice", "alice@example.com"));

    [Fact]
    public void PasswordPolicy_MaximumLength_AcceptedOneMoreRefused()
    {
        var longest = string.Concat(Enumerable.Repeat("Tëst ", 52))[..PasswordPolicy.MaxLength];

        Assert.Empty(PasswordPolicy.Check(longest, null, null));
        Assert.Equal([PasswordPolicy.TooLong], PasswordPolicy.Check(longest + "x", null, null));
    }

    [Theory]
    [InlineData("password1234")]
    [InlineData("PASSWORD1234")]
    [InlineData("  password1234\t")]
    [InlineData("qwerty123456")]
    [InlineData("123456789012")]
    [InlineData("1qaz2wsx3edc")]
    [InlineData("Password123!")]
    [InlineData("Sunshine2024!")]
    [InlineData("Football 1234")]
    public void PasswordPolicy_CommonPassword_Refused(string password)
    {
        Assert.True(PasswordPolicy.IsCommon(password));
        Assert.Contains(PasswordPolicy.Common, PasswordPolicy.Check(password, null, null));
    }

    // The decoration rule stops at six trailing digits or symbols: a long random tail is not a common password.
    [Theory]
    [InlineData("dragon83920193")]
    [InlineData("sunshine in the garden")]
    public void PasswordPolicy_CommonWordInsideLongerPassword_NotCommon(string password) =>
        Assert.False(PasswordPolicy.IsCommon(password));

    [Theory]
    [InlineData("alice.wonderland", "Alice.Wonderland", null)]
    [InlineData("my-name-is-alicewonder!", "AliceWonder", null)]
    [InlineData("bob.builder@work-and-play", "user-7", "Bob.Builder@example.com")]
    public void PasswordPolicy_ContainsUserNameOrEmailLocalPart_Refused(string password, string userName, string? email) =>
        Assert.Equal([PasswordPolicy.ContainsUserName], PasswordPolicy.Check(password, userName, email));

    // A two-letter name would otherwise refuse every passphrase that contains those two letters.
    [Fact]
    public void PasswordPolicy_VeryShortUserName_NotMatchedInsideWords() =>
        Assert.Empty(PasswordPolicy.Check("totally normal phrase", "al", "al@example.com"));

    [Fact]
    public void PasswordPolicy_EachCode_HasHumanMessage()
    {
        foreach (var code in new[] { PasswordPolicy.TooShort, PasswordPolicy.TooLong, PasswordPolicy.Common, PasswordPolicy.ContainsUserName })
        {
            Assert.DoesNotContain("does not meet the policy", PasswordPolicy.Describe(code), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CommonPasswordList_Embedded_IsARealListWithSourceAndLicence()
    {
        var assembly = typeof(PasswordPolicy).Assembly;
        var resource = Assert.Single(assembly.GetManifestResourceNames(), name => name.EndsWith("common-passwords.txt", StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains(lines, line => line.StartsWith("# Licence: MIT", StringComparison.Ordinal));
        Assert.True(lines.Count(line => !line.StartsWith('#')) > 40_000);
        Assert.True(PasswordPolicy.IsCommon(lines[^1].Trim()), "the last entry of the file is loaded too");
    }
}
