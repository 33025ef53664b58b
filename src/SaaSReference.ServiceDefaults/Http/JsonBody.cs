using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SaaSReference.ServiceDefaults.Http;

/// <summary>
/// Reads a JSON request body with the platform's strict rules (<see cref="StrictJson"/>) and a size bound, turning
/// every way it can be wrong into problem details that name the member at fault: too large (413), empty, malformed,
/// mistyped or with unknown members (400, a validation problem), not JSON (415). Used by every service's API.
/// </summary>
public static class JsonBody
{
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
            return (null, Invalid(JsonErrorText.BodyMember, "The request needs a JSON body."));
        }
        if (!request.HasJsonContentType())
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send the body as application/json."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, read), StrictJson.Options);
            return value is null ? (null, Invalid(JsonErrorText.BodyMember, "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException exception)
        {
            var (member, message) = JsonErrorText.Describe(exception);
            return (null, Invalid(member, message));
        }
    }

    private static IResult Invalid(string member, string message) => Results.ValidationProblem(
        new Dictionary<string, string[]>(StringComparer.Ordinal) { [member] = [message] }, detail: message, title: "Invalid request body");

    private static IResult TooLarge(int maxBytes) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Body too large", detail: string.Create(CultureInfo.InvariantCulture, $"The body may be at most {maxBytes} bytes."));
}
