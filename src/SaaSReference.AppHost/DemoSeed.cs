using System.Net;
using System.Net.Http.Json;

namespace SaaSReference.AppHost;

/// <summary>Creates the demo tenant through the gateway at first start; later starts find it there.</summary>
internal static class DemoSeed
{
    public const string TenantId = "demo";

    public static async Task<string> EnsureAsync(string bootstrapKey, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{LocalPorts.Gateway}/"), Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Add("X-Operator-Key", bootstrapKey);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("api/tenants", new { id = TenantId, displayName = "Demo tenant" }, cancellationToken);
                var outcome = response.StatusCode switch
                {
                    HttpStatusCode.Created => "created now",
                    HttpStatusCode.Conflict => "already there",
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
