using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SaaSReference.Gateway.Tests.Infrastructure;

public static class ProblemDetailsAssert
{
    /// <summary>Asserts an RFC 7807 body with the given status and nothing that looks like internals.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 200 from a fake destination and returns what it echoed.</summary>
    public static async Task<Echo> ReadEchoAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<Echo>() ?? throw new InvalidOperationException("Empty echo.");
    }
}
