using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using SaaSReference.Database;
using SaaSReference.Database.Keys;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>
/// The silo in-process over a throwaway PostgreSQL, configured with an issuer, and a signing key put in place
/// the way the identity service does it (<see cref="SigningKeyStore"/>); <see cref="Tokens"/> mints with it.
/// </summary>
public sealed class SecuredSiloFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Issuer = "http://127.0.0.1:8080/identity/";
    public const string Audience = "saasreference-api";
    public const string OperatorKey = "secured-operator-key-0123456789";
    public const long MaxFileBytes = 1024 * 1024;
    private readonly PostgresFixture _postgres = new();
    private string? _connectionString;
    private Dictionary<string, string>? _regions;

    /// <summary>The silo's tenant-storage settings (region databases, backup sites, key store), configuration keys with ':'.</summary>
    public IReadOnlyDictionary<string, string> RegionSettings => _regions ?? throw new InvalidOperationException("Not started.");

    /// <summary>The connection string of a region's database.</summary>
    public string RegionConnectionString(string region) => RegionSettings[$"TenantStorage:Regions:{region}:ConnectionString"];
    private TokenMinter? _tokens;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not started.");

    public TokenMinter Tokens => _tokens ?? throw new InvalidOperationException("Not started.");

    /// <summary>The identity instances' key protector; stands in for their shared data-protection key ring.</summary>
    public IDataProtector KeyProtector { get; } = SigningKeyStore.CreateProtector(new EphemeralDataProtectionProvider());

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _regions = await _postgres.CreateRegionSettingsAsync();
        _connectionString = await CreateKeyDatabaseAsync();
        _tokens = new TokenMinter(Issuer, Audience, await SigningKeyAsync(_connectionString));
    }

    /// <summary>Another migrated database on the same server, with live keys, for tests that change keys.</summary>
    public async Task<string> CreateKeyDatabaseAsync()
    {
        var connectionString = await _postgres.CreateDatabaseAsync("secured");
        await SchemaMigrator.MigrateAsync(connectionString);
        await using var source = NpgsqlDataSource.Create(connectionString);
        await new SigningKeyStore(source).EnsureActiveKeysAsync(KeyProtector, TimeProvider.System, CancellationToken.None);
        return connectionString;
    }

    public async Task<StoredCredentialKey> SigningKeyAsync(string connectionString)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var keys = await new SigningKeyStore(source).LoadPrivateAsync(CredentialKeyUse.Signing, KeyProtector, CancellationToken.None);
        return keys[0];
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var clusterId = "sec-" + Guid.NewGuid().ToString("N")[..8];
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:platform", ConnectionString);
        foreach (var (key, value) in _regions!)
        {
            builder.UseSetting(key, value);
        }
        builder.UseSetting("Platform:BootstrapKey", OperatorKey);
        // Small enough for the files tests to go over it cheaply.
        builder.UseSetting("TenantData:MaxFileBytes", MaxFileBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Identity:Issuer", Issuer);
        builder.UseSetting("Identity:Audience", Audience);
        builder.UseSetting("Orleans:ClusterId", clusterId);
        builder.UseSetting("Orleans:ServiceId", clusterId);
        builder.UseSetting("Orleans:SiloPort", FreePort.Next().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort.Next().ToString(CultureInfo.InvariantCulture));
    }

    public HttpClient CreateBearerClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _postgres.DisposeAsync();
    }
}

/// <summary>Test classes that share one secured silo (one PostgreSQL server, one Orleans cluster).</summary>
[CollectionDefinition(Name)]
public sealed class SecuredSiloCollection : ICollectionFixture<SecuredSiloFactory>
{
    public const string Name = "Secured silo";
}
