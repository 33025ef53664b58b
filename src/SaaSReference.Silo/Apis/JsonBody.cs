using System.Text.Json;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Reads a JSON request body with the API's strict rules and a size bound, turning every way it can be wrong
/// into a problem-details answer: wrong content type (415), too large (413), malformed or unknown members (400).
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }
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
            return (null, Problem(StatusCodes.Status400BadRequest, "Empty body", "The request needs a JSON body."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, read), StrictJson.Options);
            return value is null
                ? (null, Problem(StatusCodes.Status400BadRequest, "Invalid body", "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException exception)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "Invalid JSON body", JsonErrorText.Describe(exception)));
        }
    }

    private static IResult TooLarge(int maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body may be at most {maxBytes} bytes.");

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
