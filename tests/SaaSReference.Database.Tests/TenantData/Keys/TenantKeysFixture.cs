using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.TenantData.Keys;

/// <summary>
/// A migrated platform database and the two region databases of a local installation, with the services of a silo as
/// <c>AddTenantStorage</c> and <c>AddTenantKeys</c> register them. <see cref="CreateServices"/> builds one such silo's
/// services; two of them over the same databases and key directory stand for two silos.
/// </summary>
public sealed class TenantKeysFixture : IAsyncLifetime
{
    public const string East = "jp-east";
    private readonly PostgresFixture _postgres = new();
    private readonly List<ServiceProvider> _services = [];

    public Dictionary<string, string> Settings { get; private set; } = [];

    public string PlatformConnectionString { get; private set; } = "";

    public string KeyDirectory => Settings["TenantKeys:Local:Directory"];

    public string RegionConnectionString(string region) => Settings[$"TenantStorage:Regions:{region}:ConnectionString"];

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        Settings = await _postgres.CreateRegionSettingsAsync("tk");
        Settings["Audit:CheckpointInterval"] = "00:00:00";
        PlatformConnectionString = await _postgres.CreateDatabaseAsync("tkplatform");
        await SchemaMigrator.MigrateAsync(PlatformConnectionString);
        foreach (var region in new[] { "jp-east", "jp-west" })
        {
            await SchemaMigrator.MigrateRegionAsync(RegionConnectionString(region));
        }
    }

    /// <summary>One silo's services; <paramref name="cacheLifetime"/> sets <c>TenantKeys:CacheLifetime</c>.</summary>
    public ServiceProvider CreateServices(TimeSpan? cacheLifetime = null)
    {
        var settings = new Dictionary<string, string?>(Settings.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)), StringComparer.Ordinal);
        if (cacheLifetime is { } lifetime)
        {
            settings["TenantKeys:CacheLifetime"] = lifetime.ToString("c", CultureInfo.InvariantCulture);
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(NpgsqlDataSource.Create(PlatformConnectionString));
        services.AddPlatformAudit(configuration);
        services.AddTenantStorage(configuration);
        services.AddTenantKeys(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        lock (_services)
        {
            _services.Add(provider);
        }
        return provider;
    }

    /// <summary>The audit records of a tenant of one type, written in the last hour.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AuditAsync(string tenantId, AuditEventType type)
    {
        await using var source = NpgsqlDataSource.Create(PlatformConnectionString);
        var now = DateTimeOffset.UtcNow;
        var page = await new AuditStore(source).QueryAsync(new AuditQuery(tenantId, type.Name, null, now.AddHours(-1), now.AddMinutes(1), 500, null));
        return page.Records;
    }

    public static string NewTenantId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 40)];

    public async Task DisposeAsync()
    {
        foreach (var provider in _services)
        {
            await provider.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TenantKeysCollection : ICollectionFixture<TenantKeysFixture>
{
    public const string Name = "Tenant keys database";
}
