using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace SaaSReference.Contracts.Tenants;

/// <summary>
/// The rules for a tenant id: 3 to 63 characters, lower-case letters, digits and inner hyphens, starting with
/// a letter (a DNS label), so that it can name a schema, a key prefix and a URL segment without escaping.
/// </summary>
public static partial class TenantId
{
    /// <summary>Shortest valid id.</summary>
    public const int MinLength = 3;

    /// <summary>Longest valid id (a PostgreSQL identifier and a DNS label both fit).</summary>
    public const int MaxLength = 63;

    /// <summary>Whether <paramref name="value"/> is a well-formed tenant id.</summary>
    public static bool IsValid([NotNullWhen(true)] string? value) => value is not null && Pattern().IsMatch(value);

    /// <summary>The rule in words, for error messages.</summary>
    public static string Describe() =>
        $"{MinLength} to {MaxLength} characters: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen.";

    [GeneratedRegex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
