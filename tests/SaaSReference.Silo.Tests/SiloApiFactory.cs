using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Silo.Tests;

/// <summary>
/// The silo host in-process (a one-silo Orleans cluster over a real, throwaway PostgreSQL) with its HTTP API
/// on an in-memory server.
/// </summary>
public class SiloApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789";
    private readonly PostgresFixture _postgres = new();
    private string? _connectionString;
    private Dictionary<string, string>? _regions;

    /// <summary>The silo's tenant-storage settings (region databases, backup sites, key store), configuration keys with ':'.</summary>
    public IReadOnlyDictionary<string, string> RegionSettings => _regions ?? throw new InvalidOperationException("Not started.");

    /// <summary>The connection string of a region's database.</summary>
    public string RegionConnectionString(string region) => RegionSettings[$"TenantStorage:Regions:{region}:ConnectionString"];

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not started.");

    /// <summary>Settings a test class needs on top of the defaults (configuration keys with ':').</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _regions = await _postgres.CreateRegionSettingsAsync();
        _connectionString = await _postgres.CreateDatabaseAsync("api");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var clusterId = "api-" + Guid.NewGuid().ToString("N")[..8];
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:platform", ConnectionString);
        foreach (var (key, value) in _regions!)
        {
            builder.UseSetting(key, value);
        }
        foreach (var (key, value) in ExtraSettings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("Platform:BootstrapKey", OperatorKey);
        builder.UseSetting("Orleans:ClusterId", clusterId);
        builder.UseSetting("Orleans:ServiceId", clusterId);
        builder.UseSetting("Orleans:SiloPort", FreePort.Next().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort.Next().ToString(CultureInfo.InvariantCulture));
    }

    public HttpClient CreateOperatorClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Operator-Key", OperatorKey);
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
