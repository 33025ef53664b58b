using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Says what is wrong with a JSON body in the client's terms: the member and position, never the server's
/// .NET type names (System.Text.Json's own messages carry them).
/// </summary>
public static partial class JsonErrorText
{
    public static string Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var where = exception.Path is { Length: > 0 } path ? $" at '{path}'" : "";
        var message = exception.Message;
        if (UnknownMember().Match(message) is { Success: true } unknown)
        {
            return $"The member '{unknown.Groups[1].Value}' is not part of this request; remove it.";
        }
        if (MissingMembers().Match(message) is { Success: true } missing)
        {
            return $"Required members are missing: {missing.Groups[1].Value}.";
        }
        if (NullNotAllowed().Match(message) is { Success: true } nullMember)
        {
            return $"The member '{nullMember.Groups[1].Value}' may not be null.";
        }
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return $"A value{where} has the wrong type.";
        }
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return $"A member appears twice{where}.";
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"The body is not valid JSON for this request{where} (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}).");
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex("missing required properties including: (.*?)\\.?$")]
    private static partial Regex MissingMembers();

    [GeneratedRegex("property or field '([^']*)' on type '[^']*' doesn't allow (?:getting|setting) null")]
    private static partial Regex NullNotAllowed();
}
