using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>Small helpers for the tenant API as the end-to-end tests use it.</summary>
internal static class TenantClient
{
    public static Task<HttpResponseMessage> CreateAsync(HttpClient http, string id, CancellationToken cancellationToken = default) =>
        http.PostAsJsonAsync("api/tenants", new { id, displayName = $"Tenant {id}" }, cancellationToken);

    /// <summary>GET a tenant, retrying only while the cluster answers 502/503 (recovering), up to <paramref name="patience"/>.</summary>
    public static async Task<HttpStatusCode> ReadWithPatienceAsync(HttpClient http, string id, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"api/tenants/{id}", UriKind.Relative));
                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway) || DateTime.UtcNow > deadline)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                        Assert.Equal(id, body.GetProperty("id").GetString());
                    }
                    return response.StatusCode;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(200);
        }
    }
}
