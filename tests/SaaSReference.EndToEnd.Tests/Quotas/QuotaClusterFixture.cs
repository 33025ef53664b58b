using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.EndToEnd.Tests.Quotas;

/// <summary>
/// A throwaway PostgreSQL plus the platform as processes, for the quota tests: 3 silos, 1 identity instance and
/// 2 gateway instances, with a machine client for each tenant the tests use.
/// </summary>
public sealed class QuotaClusterFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    private PlatformCluster? _cluster;

    public const string Quiet = "quiet-co";
    public const string Noisy = "noisy-co";
    public const string Abusive = "abusive-co";

    public IReadOnlyDictionary<string, SeedMachineClient> Clients { get; } = new[] { Quiet, Noisy, Abusive }
        .ToDictionary(t => t, t => new SeedMachineClient($"{t}-worker", SecretsFile.NewToken(), t));

    public PlatformCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public string ConnectionString => _postgres.ConnectionString;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _cluster = await PlatformCluster.StartAsync(_postgres.ConnectionString, await _postgres.CreateRegionSettingsAsync(), silos: 3, identities: 1, gateway: true,
            seed: new PlatformSeed([], [.. Clients.Values]), extraGateways: 1);
        using var operatorClient = Cluster.CreateOperatorClient();
        await GatewayHealth.WaitForAsync(operatorClient, "silo", rotation => rotation.Count == 3, TimeSpan.FromSeconds(60));
        await GatewayHealth.WaitForAsync(operatorClient, "identity", rotation => rotation.Count == 1, TimeSpan.FromSeconds(60));
        foreach (var tenant in Clients.Keys)
        {
            using var created = await TenantClient.CreateAsync(operatorClient, tenant);
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"creating {tenant} answered {created.StatusCode}:\n{Cluster.Diagnostics()}");
            using var collection = await operatorClient.PutAsJsonAsync($"api/tenants/{tenant}/collections/notes", new { classification = "internal" });
            Assert.True(collection.StatusCode == HttpStatusCode.Created, $"creating the notes collection of {tenant} answered {collection.StatusCode}");
        }
    }

    /// <summary>A client of <paramref name="target"/> (a gateway or a silo) carrying a fresh access token of the tenant's machine client.</summary>
    public async Task<HttpClient> TenantClientAsync(string tenant, Uri target)
    {
        var token = await TokenAsync(tenant) ?? throw new InvalidOperationException($"no token for {tenant}:\n{Cluster.Diagnostics()}");
        return BearerClient(target, token);
    }

    /// <summary>A client of <paramref name="target"/> that presents <paramref name="token"/>.</summary>
    public static HttpClient BearerClient(Uri target, string token)
    {
        var http = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A client-credentials token through the first gateway, or null with the error the identity service gave.</summary>
    public async Task<string?> TokenAsync(string tenant)
    {
        using var http = new HttpClient { BaseAddress = Cluster.Gateway!.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var client = Clients[tenant];
        using var response = await http.PostAsync(new Uri("identity/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = client.ClientId,
            ["client_secret"] = client.ClientSecret,
            ["scope"] = "api",
        }));
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }
}
