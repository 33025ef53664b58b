using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Silo.Tests.Security;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>Creates tenants (in a region) and classified collections through the API, for the tenant data tests.</summary>
public static class TenantDataClient
{
    public static string NewTenantId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 40)];

    public static async Task<string> CreateTenantAsync(SecuredSiloFactory factory, string prefix, string? region = null)
    {
        var id = NewTenantId(prefix);
        using var http = factory.CreateBearerClient(factory.Tokens.Operator());
        using var created = await http.PostAsJsonAsync("/api/tenants", region is null ? new { id, displayName = id } : (object)new { id, displayName = id, region });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return id;
    }

    public static async Task CreateCollectionAsync(HttpClient admin, string tenantId, string collection, string classification = "confidential")
    {
        using var response = await admin.PutAsJsonAsync($"/api/tenants/{tenantId}/collections/{collection}", new { classification, description = "test data" });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"collection create answered {(int)response.StatusCode}");
    }

    public static async Task<HttpResponseMessage> PutRecordAsync(HttpClient http, string tenantId, string collection, string id, object data,
        string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenantId}/records/{collection}/{id}") { Content = JsonContent.Create(data) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return await http.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
