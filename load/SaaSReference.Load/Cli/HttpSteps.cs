using System.Net.Http.Headers;
using System.Text.Json;
using SaaSReference.Load.Engine;

namespace SaaSReference.Load.Cli;

/// <summary>
/// Sends a request and turns the answer into a <see cref="StepResult"/>: 2xx is success; otherwise the status and
/// the problem's title (RFC 9457), the OAuth error and its description, or the reason phrase. The body is always read to the end, as a client would.
/// </summary>
public static class HttpSteps
{
    public static async Task<StepResult> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using (request)
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return StepResult.Ok(status);
            }
            return StepResult.Fail(status, await ReasonAsync(response, cancellationToken));
        }
    }

    public static HttpRequestMessage Get(string path, string? bearer = null, string? operatorKey = null) =>
        Request(HttpMethod.Get, path, null, bearer, operatorKey);

    public static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content, string? bearer = null, string? operatorKey = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (operatorKey is not null)
        {
            request.Headers.Add("X-Operator-Key", operatorKey);
        }
        return request;
    }

    /// <summary>Why a request was refused: the problem's title, the OAuth error and its description, or the reason phrase.</summary>
    public static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (body.Length is > 0 and < 16_384 && body.TrimStart().StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
                {
                    return title.GetString()!;
                }
                // An OAuth 2.0 error (RFC 6749, 5.2), as the token endpoint answers: the code and what it says.
                if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    return document.RootElement.TryGetProperty("error_description", out var description) && description.ValueKind == JsonValueKind.String
                        ? $"{error.GetString()}: {description.GetString()}"
                        : error.GetString()!;
                }
            }
            catch (JsonException)
            {
                // Not a problem document: the reason phrase below says enough.
            }
        }
        return response.ReasonPhrase ?? response.StatusCode.ToString();
    }
}
