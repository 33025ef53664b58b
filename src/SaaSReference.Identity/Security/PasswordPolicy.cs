using System.Collections.Frozen;
using System.Globalization;

namespace SaaSReference.Identity.Security;

/// <summary>
/// The platform's password rules (6.2.1d, 9.2.4a), after OWASP ASVS 5.0 6.2.x and NIST SP 800-63B: length
/// over composition. At least 12 characters, at most 256 so that passphrases fit, any Unicode including spaces,
/// no rules about digits or symbols, and no password from a list of commonly used ones or built on the user's
/// name. Pure functions, so that sign-in can re-check a stored password against the current policy (6.2.1d).
/// </summary>
public static class PasswordPolicy
{
    /// <summary>The minimum length, in user-perceived characters (Unicode text elements).</summary>
    public const int MinLength = 12;

    /// <summary>The maximum length, in text elements.</summary>
    public const int MaxLength = 256;

    public const string TooShort = "PasswordTooShort";
    public const string TooLong = "PasswordTooLong";
    public const string Common = "PasswordCommon";
    public const string ContainsUserName = "PasswordContainsUserName";

    // A common word with a short tail of digits and symbols ("Password123!", "Summer2024!") is the first thing a
    // guessing attack tries (append rules), so it counts as common too. Longer tails are left alone.
    private const int MaxDecorationLength = 6;

    // Shorter names would refuse passphrases for containing ordinary syllables ("al", "jo").
    private const int MinNameLengthForContains = 3;

    private static readonly Lazy<FrozenSet<string>> CommonPasswords = new(CommonPasswordList.Load);

    /// <summary>
    /// True when the password, ignoring case and surrounding white space, is a commonly used one, or is one with
    /// at most 6 digits or symbols appended (e.g. "Password123!").
    /// </summary>
    public static bool IsCommon(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var candidate = password.Trim().ToLowerInvariant();
        var list = CommonPasswords.Value;
        if (list.Contains(candidate))
        {
            return true;
        }

        var end = candidate.Length;
        while (end > 0 && candidate.Length - end < MaxDecorationLength && !char.IsLetter(candidate[end - 1]))
        {
            end--;
        }
        // Only a tail that was stripped whole, and that leaves a word ending in a letter, makes a base word.
        return end < candidate.Length && end > 0 && char.IsLetter(candidate[end - 1]) && list.Contains(candidate[..end]);
    }

    /// <summary>
    /// The codes (<see cref="TooShort"/>, <see cref="TooLong"/>, <see cref="Common"/>, <see cref="ContainsUserName"/>)
    /// of every rule the password breaks; empty when it meets the policy.
    /// </summary>
    public static IReadOnlyList<string> Check(string password, string? userName, string? email)
    {
        var failures = new List<string>();
        var length = string.IsNullOrEmpty(password) ? 0 : new StringInfo(password).LengthInTextElements;
        if (length < MinLength)
        {
            failures.Add(TooShort);
        }
        else if (length > MaxLength)
        {
            failures.Add(TooLong);
        }

        if (!string.IsNullOrEmpty(password))
        {
            if (IsCommon(password))
            {
                failures.Add(Common);
            }
            if (ContainsName(password, userName) || ContainsName(password, EmailLocalPart(email)))
            {
                failures.Add(ContainsUserName);
            }
        }
        return failures;
    }

    /// <summary>A message for a person, for one of the codes that <see cref="Check"/> returns.</summary>
    public static string Describe(string code) => code switch
    {
        TooShort => $"Use at least {MinLength} characters. A few unrelated words make a long password that is easy to remember.",
        TooLong => $"Use at most {MaxLength} characters.",
        Common => "This password is one of the most commonly used, and would be among the first guessed. Choose another.",
        ContainsUserName => "The password must not contain your user name or email address.",
        _ => "The password does not meet the policy.",
    };

    private static bool ContainsName(string password, string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return false;
        }
        return trimmed.Length >= MinNameLengthForContains
            ? password.Contains(trimmed, StringComparison.OrdinalIgnoreCase)
            : string.Equals(password.Trim(), trimmed, StringComparison.OrdinalIgnoreCase);
    }

    private static string? EmailLocalPart(string? email)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        return at > 0 ? email![..at] : null;
    }
}
