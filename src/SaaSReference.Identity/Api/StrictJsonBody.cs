using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SaaSReference.Identity.Api;

/// <summary>
/// Reads a small JSON request body with the platform API's strict rules, the same as the silo's
/// (<c>SaaSReference.Silo.Apis.StrictJson</c>, <c>JsonBody</c> and <c>JsonErrorText</c>, which this service does not
/// reference): camelCase, unknown and duplicate members refused (a typo must not be silently dropped), nullability
/// enforced. Every way the body can be wrong becomes problem details in the client's terms, naming the member, never
/// a .NET type or a stack trace: empty, malformed or mistyped (400, validation problem), not JSON (415), too large (413).
/// </summary>
internal static partial class StrictJsonBody
{
    public const string BodyKey = "body";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowDuplicateProperties = false,
        PropertyNameCaseInsensitive = false,
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var buffer = new byte[maxBytes + 1];
        var read = 0;
        int chunk;
        while (read < buffer.Length && (chunk = await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += chunk;
        }
        if (read > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        if (read == 0)
        {
            return (null, Invalid(BodyKey, "The request needs a JSON body."));
        }
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send the body as application/json."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, read), Options);
            return value is null ? (null, Invalid(BodyKey, "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException exception)
        {
            var (member, message) = Describe(exception);
            return (null, Invalid(member, message));
        }
    }

    /// <summary>The member at fault (or <see cref="BodyKey"/>) and what is wrong, from System.Text.Json's exception.</summary>
    private static (string Member, string Message) Describe(JsonException exception)
    {
        // The exception's own message names the server's .NET types: it is only classified here, never shown.
        var message = exception.Message;
        var member = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : BodyKey;
        if (UnknownMember().Match(message) is { Success: true } unknown)
        {
            return (unknown.Groups[1].Value, "Not a member of this request; remove it.");
        }
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return (member, "The member appears twice.");
        }
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return (member, member == BodyKey ? "The body must be a JSON object." : "The value has the wrong type.");
        }
        return (member, string.Create(CultureInfo.InvariantCulture,
            $"The body is not valid JSON for this request (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1})."));
    }

    private static ValidationProblem Invalid(string member, string message) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]>(StringComparer.Ordinal) { [member] = [message] }, title: "Invalid request body");

    private static ProblemHttpResult TooLarge(int maxBytes) => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Body too large", detail: string.Create(CultureInfo.InvariantCulture, $"The body may be at most {maxBytes} bytes."));

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();
}
