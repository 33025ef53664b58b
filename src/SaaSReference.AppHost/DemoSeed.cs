using System.Net;
using System.Net.Http.Json;

namespace SaaSReference.AppHost;

/// <summary>
/// Creates the demo tenant (and the load runner's tenants, <see cref="LoadSeed"/>) through the gateway at first
/// start; later starts find them there.
/// </summary>
internal static class DemoSeed
{
    public const string TenantId = "demo";

    public static async Task<string> EnsureAsync(string bootstrapKey, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{LocalPorts.Gateway}/"), Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Add("X-Operator-Key", bootstrapKey);
        var outcome = await EnsureTenantAsync(http, TenantId, "Demo tenant", cancellationToken);
        await EnsureCollectionAsync(http, TenantId, "notes", "internal", cancellationToken);
        foreach (var (_, tenantId) in LoadSeed.MachineClients)
        {
            await EnsureTenantAsync(http, tenantId, "Load test " + tenantId, cancellationToken);
            // The load scenarios' records live in the "load" collection; machine clients cannot create collections.
            await EnsureCollectionAsync(http, tenantId, LoadSeed.Collection, "internal", cancellationToken);
        }
        return outcome;
    }

    /// <summary>Creates a classified collection unless it is there (8.2.1); a failure is reported, not fatal to the stack.</summary>
    private static async Task EnsureCollectionAsync(HttpClient http, string tenantId, string collection, string classification, CancellationToken cancellationToken)
    {
        using var response = await http.PutAsJsonAsync($"api/tenants/{tenantId}/collections/{collection}", new { classification }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            Console.WriteLine($"Collection {collection} of tenant {tenantId} could not be created: {(int)response.StatusCode}.");
        }
    }

    private static async Task<string> EnsureTenantAsync(HttpClient http, string tenantId, string displayName, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("api/tenants", new { id = tenantId, displayName }, cancellationToken);
                var outcome = response.StatusCode switch
                {
                    HttpStatusCode.Created => "created now",
                    HttpStatusCode.OK or HttpStatusCode.Conflict => "already there",
                    _ when attempt < 10 => null,
                    _ => $"not created ({(int)response.StatusCode}); see the silo logs in the dashboard",
                };
                if (outcome is not null)
                {
                    return outcome;
                }
                await RetryLater(cancellationToken);
            }
            catch (HttpRequestException) when (attempt < 10)
            {
                await RetryLater(cancellationToken);
            }
        }
    }

    private static Task RetryLater(CancellationToken cancellationToken) => Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
}
