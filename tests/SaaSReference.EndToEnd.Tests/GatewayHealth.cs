using System.Net.Http.Json;
using System.Text.Json;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>Reads the gateway's <c>GET /health</c> report.</summary>
internal static class GatewayHealth
{
    /// <summary>Names of the destinations of <paramref name="cluster"/> that are in rotation now.</summary>
    public static async Task<IReadOnlySet<string>> InRotationAsync(HttpClient gateway, string cluster)
    {
        using var response = await gateway.GetAsync(new Uri("health", UriKind.Relative));
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        var result = new HashSet<string>();
        foreach (var c in report.GetProperty("clusters").EnumerateArray())
        {
            if (c.GetProperty("id").GetString() != cluster)
            {
                continue;
            }
            foreach (var d in c.GetProperty("destinations").EnumerateArray())
            {
                if (d.GetProperty("inRotation").GetBoolean())
                {
                    result.Add(d.GetProperty("id").GetString()!);
                }
            }
        }
        return result;
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the cluster's rotation; returns how long it took.</summary>
    public static async Task<TimeSpan> WaitForAsync(HttpClient gateway, string cluster, Func<IReadOnlySet<string>, bool> condition, TimeSpan bound)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (started.Elapsed < bound)
        {
            if (condition(await InRotationAsync(gateway, cluster)))
            {
                return started.Elapsed;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The gateway's rotation of '{cluster}' did not reach the expected state within {bound}.");
    }
}
