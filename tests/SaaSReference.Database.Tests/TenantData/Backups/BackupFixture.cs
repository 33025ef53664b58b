using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// A migrated platform database, the two region databases of a local installation (jp-east, jp-west) with their backup
/// sites, and the tenant-storage and backup services over them, with <see cref="TestKeyring"/> as the keyring. Each test
/// provisions tenants of its own. Chunks are small (4 KiB) so that every artifact has many of them.
/// </summary>
public sealed class BackupFixture : IAsyncLifetime
{
    public const string East = "jp-east";
    public const string West = "jp-west";
    private readonly PostgresFixture _postgres = new();
    private ServiceProvider? _services;

    public Dictionary<string, string> Settings { get; private set; } = [];

    public string PlatformConnectionString { get; private set; } = "";

    internal TestKeyring Keyring { get; } = new();

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("Not started.");

    public TenantBackupService Backups => Services.GetRequiredService<TenantBackupService>();

    public TenantBackupCatalog Catalog => Services.GetRequiredService<TenantBackupCatalog>();

    public PlatformBackupService PlatformBackups => Services.GetRequiredService<PlatformBackupService>();

    public string RegionConnectionString(string region) => Settings[$"TenantStorage:Regions:{region}:ConnectionString"];

    public string BackupSite(string region) => Settings[$"TenantStorage:Regions:{region}:BackupDirectory"];

    public string PlatformBackupDirectory => Settings["PlatformBackups:Directory"];

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        Settings = await _postgres.CreateRegionSettingsAsync("bk");
        Settings["TenantBackups:ChunkSizeBytes"] = "4096";
        PlatformConnectionString = await _postgres.CreateDatabaseAsync("bkplatform");
        await SchemaMigrator.MigrateAsync(PlatformConnectionString);
        foreach (var region in new[] { East, West })
        {
            await SchemaMigrator.MigrateRegionAsync(RegionConnectionString(region));
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(NpgsqlDataSource.Create(PlatformConnectionString));
        services.AddSingleton<ITenantKeyring>(Keyring);
        services.AddSingleton<ITenantProvisioningStep>(Keyring);
        services.AddTenantStorage(configuration);
        services.AddTenantBackupServices(configuration);
        _services = services.BuildServiceProvider();
    }

    /// <summary>A provisioned tenant of <paramref name="region"/> with distinctive rows in every table.</summary>
    internal async Task<SeededTenant> SeedTenantAsync(string letter, string region = East)
    {
        var tenantId = $"bk-{letter}-{Guid.NewGuid():N}"[..16];
        var location = await Services.GetRequiredService<TenantStorageProvisioner>().ProvisionAsync(tenantId, region, "test-provisioner");
        var tenant = new SeededTenant(tenantId, location.SchemaName, region, "mk" + Guid.NewGuid().ToString("N")[..12]);
        await using var source = NpgsqlDataSource.Create(RegionConnectionString(region));
        var key = await Keyring.GetCurrentAsync(tenantId);
        var schema = tenant.Schema;
        var now = DateTimeOffset.UtcNow;

        await Exec(source, $"INSERT INTO {schema}.collections (name, classification, description, created_at, created_by) VALUES ($1, 'confidential', $2, $3, $4)",
            tenant.Collection, "description " + tenant.Marker, now, "user-" + tenant.Marker);
        for (var i = 0; i < 5; i++)
        {
            await InsertRecordAsync(source, tenant, key, $"rec-{i}-{tenant.Marker}", $$"""{"owner":"{{tenant.Marker}}","n":{{i}},"text":"{{new string('x', 900)}}"}""");
        }
        // A file of 3 chunks of 6 KiB each: its content alone spans several backup chunks.
        var uploadId = Guid.NewGuid();
        long fileSize = 0;
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(tenant.Marker + ";", 6 * 1024 / (tenant.Marker.Length + 1))));
            fileHash.AppendData(content);
            fileSize += content.Length;
            await Exec(source, $"INSERT INTO {schema}.file_chunks (upload_id, chunk_no, key_version, data) VALUES ($1, $2, $3, $4)",
                uploadId, chunk, key.Version, TenantCipher.Encrypt(key, content, TenantDataAad.FileChunk(tenantId, uploadId, chunk)));
        }
        var fileId = $"file-{tenant.Marker}.txt";
        await Exec(source,
            $"""
            INSERT INTO {schema}.files (collection, id, classification, upload_id, version, content_type, size_bytes, chunk_count, key_version, metadata, created_at, updated_at, updated_by)
            VALUES ($1, $2, 'confidential', $3, 1, 'text/plain', $4, 3, $5, $6, $7, $7, $8)
            """,
            tenant.Collection, fileId, uploadId, fileSize, key.Version,
            TenantCipher.Encrypt(key, Encoding.UTF8.GetBytes($$"""{"sha256":"{{Convert.ToHexStringLower(fileHash.GetHashAndReset())}}","name":"{{tenant.Marker}}.txt"}"""),
                TenantDataAad.FileMetadata(tenantId, tenant.Collection, fileId)),
            now, "user-" + tenant.Marker);
        await Exec(source,
            $"INSERT INTO {schema}.grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension, payload, version) VALUES ('svc', 'record', 1, 2, $1, $2, 3)",
            $"{tenantId}/{tenant.Collection}/g-{tenant.Marker}", Encoding.UTF8.GetBytes("grain-" + tenant.Marker));
        return tenant;
    }

    internal static async Task InsertRecordAsync(NpgsqlDataSource source, SeededTenant tenant, TenantDataKey key, string id, string json)
    {
        using var document = JsonDocument.Parse(json);
        var plaintext = Encoding.UTF8.GetBytes(json);
        var now = DateTimeOffset.UtcNow;
        await Exec(source,
            $"""
            INSERT INTO {tenant.Schema}.records (collection, id, classification, version, key_version, payload, index_tokens, size_bytes, created_at, updated_at, updated_by)
            VALUES ($1, $2, 'confidential', 1, $3, $4, $5, $6, $7, $7, $8)
            """,
            tenant.Collection, id, key.Version, TenantCipher.Encrypt(key, plaintext, TenantDataAad.Record(tenant.TenantId, tenant.Collection, id)),
            TenantCipher.IndexTokens(key, document.RootElement), plaintext.Length, now, "user-" + tenant.Marker);
    }

    /// <summary>Every row of every table of the tenant, as text, in a stable order (grain state also without its version).</summary>
    internal async Task<Dictionary<string, List<string>>> DumpAsync(SeededTenant tenant, bool grainVersions = true)
    {
        await using var source = NpgsqlDataSource.Create(RegionConnectionString(tenant.Region));
        var dump = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in TenantBackupFormat.Tables)
        {
            var projection = table == "grain_state" && !grainVersions
                ? "(t.service_id, t.state_name, t.grain_id_n0, t.grain_id_n1, t.grain_id_extension, t.tenant_id, t.payload, t.modified_at)::text"
                : "t::text";
            dump[table] = await Strings(source, $"SELECT {projection} FROM {tenant.Schema}.{table} t ORDER BY 1");
        }
        return dump;
    }

    internal async Task<List<string>> GrainVersionsAsync(SeededTenant tenant)
    {
        await using var source = NpgsqlDataSource.Create(RegionConnectionString(tenant.Region));
        return await Strings(source, $"SELECT grain_id_extension || '=' || version FROM {tenant.Schema}.grain_state ORDER BY 1");
    }

    internal static async Task Exec(NpgsqlDataSource source, string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter is byte[][] tokens
                ? new NpgsqlParameter { Value = tokens, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea }
                : new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }

    internal static Task<List<string>> Strings(NpgsqlDataSource source, string sql) => SqlColumn.ReadAsync<string>(source, sql);

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }
}

/// <summary>A tenant seeded by <see cref="BackupFixture.SeedTenantAsync"/>: its rows all carry <see cref="Marker"/>.</summary>
internal sealed record SeededTenant(string TenantId, string Schema, string Region, string Marker)
{
    public string Collection => "docs-" + Marker;

    /// <summary>Plaintext that only this tenant's rows contain (ids, names, actors, labels) and its schema's name.</summary>
    public IReadOnlyList<string> Identifying => [TenantId, Schema, Marker];
}
