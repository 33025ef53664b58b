using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace SaaSReference.Load.Cli;

/// <summary>The few platform calls the scenarios make outside their measured steps (set-up and checks).</summary>
public static class PlatformApi
{
    /// <summary>Creates a tenant and, when named, a collection of it; existing ones are fine too.</summary>
    public static async Task EnsureTenantAsync(HttpClient client, string operatorKey, string tenantId, CancellationToken cancellationToken,
        string? collection = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = HttpSteps.Request(HttpMethod.Post, "/api/tenants",
            JsonContent.Create(new { id = tenantId, displayName = "Load test " + tenantId }), operatorKey: operatorKey);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"Creating tenant {tenantId} was answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        }
        if (collection is not null)
        {
            using var create = HttpSteps.Request(HttpMethod.Put, $"/api/tenants/{tenantId}/collections/{collection}",
                JsonContent.Create(new { classification = "internal" }), operatorKey: operatorKey);
            using var created = await client.SendAsync(create, cancellationToken);
            if (!created.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Creating collection {collection} of tenant {tenantId} was answered {(int)created.StatusCode}.");
            }
        }
    }

    /// <summary>A client-credentials token (scope api) and the tenant it belongs to (the token's tenant_id claim).</summary>
    public static async Task<(string Token, string? TenantId)> MachineTokenAsync(HttpClient client, string clientId, string secret,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = TokenRequest(clientId, secret);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The token endpoint refused client {clientId}: {(int)response.StatusCode} " +
                $"{(await HttpSteps.ReasonAsync(response, cancellationToken)).TrimEnd('.')}.");
        }
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var token = document.RootElement.GetProperty("access_token").GetString()!;
        return (token, TenantOf(token));
    }

    public static HttpRequestMessage TokenRequest(string clientId, string secret) =>
        HttpSteps.Request(HttpMethod.Post, "/identity/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "api",
        }));

    /// <summary>Reads (does not validate: the platform does that) the tenant_id claim of a JWT.</summary>
    public static string? TenantOf(string jwt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var parts = jwt.Split('.');
        if (parts.Length < 2)
        {
            return null;
        }
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        try
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return document.RootElement.TryGetProperty("tenant_id", out var tenant) ? tenant.GetString() : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The tenant's status as the API shows it ("active", "frozen", ...), or null if it cannot be read.</summary>
    public static async Task<string?> TenantStatusAsync(HttpClient client, string operatorKey, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = HttpSteps.Get($"/api/tenants/{tenantId}", operatorKey: operatorKey);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
    }
}
