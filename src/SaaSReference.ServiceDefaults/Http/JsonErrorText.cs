using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SaaSReference.ServiceDefaults.Http;

/// <summary>
/// Says what is wrong with a JSON body in the client's terms: the member at fault and what is wrong with it, never
/// the server's .NET type names (System.Text.Json's own messages carry them, so they are only classified here).
/// </summary>
public static partial class JsonErrorText
{
    /// <summary>The key under which a fault of the body as a whole is reported.</summary>
    public const string BodyMember = "body";

    /// <summary>The member at fault (<see cref="BodyMember"/> when no single member is) and what is wrong.</summary>
    public static (string Member, string Message) Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var member = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : BodyMember;
        var where = member == BodyMember ? "" : $" at '{member}'";
        var message = exception.Message;
        if (UnknownMember().Match(message) is { Success: true } unknown)
        {
            return (unknown.Groups[1].Value, $"The member '{unknown.Groups[1].Value}' is not part of this request; remove it.");
        }
        if (MissingMembers().Match(message) is { Success: true } missing)
        {
            var names = missing.Groups[1].Value;
            var first = names.Split(',')[0].Trim().Trim('\'');
            return (first.Length > 0 ? first : BodyMember, $"Required members are missing: {names}.");
        }
        if (NullNotAllowed().Match(message) is { Success: true } nullMember)
        {
            return (nullMember.Groups[1].Value, $"The member '{nullMember.Groups[1].Value}' may not be null.");
        }
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return (member, member == BodyMember ? "The body must be a JSON object of this request's shape." : $"A value{where} has the wrong type.");
        }
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return (member, $"A member appears twice{where}.");
        }
        return (member, string.Create(CultureInfo.InvariantCulture,
            $"The body is not valid JSON for this request{where} (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1})."));
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    [GeneratedRegex("missing required properties including: (.*?)\\.?$")]
    private static partial Regex MissingMembers();

    [GeneratedRegex("property or field '([^']*)' on type '[^']*' doesn't allow (?:getting|setting) null")]
    private static partial Regex NullNotAllowed();
}
