using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.Tests.TenantData.Keys;

/// <summary>
/// 10.1.2b: after a rotation every row of the tenant (records with their blind index, file chunks, file metadata) is brought
/// to the new key version in bounded batches, resumable from a persisted cursor by another process, without ever overwriting
/// a concurrent write of the data API; a revoked key or a row that does not decrypt stops it with nothing half done.
/// </summary>
[Collection(TenantKeysCollection.Name)]
public sealed class TenantDataReencryptorTests(TenantKeysFixture fixture)
{
    private const string Collection = "notes";

    [Fact]
    public async Task Rotation_BringsEveryRowToTheNewVersion_InBatches_ResumedByAnotherSilo()
    {
        var services = fixture.CreateServices();
        var tenant = await ProvisionAsync(services, "rall");
        var v1 = await services.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant.TenantId);
        Assert.Equal(1, v1.Version);
        var records = Enumerable.Range(0, 7).ToDictionary(i => $"r{i}", i => $$$"""{"owner":"user-{{{i % 2}}}","n":{{{i}}},"ok":true,"nested":{"x":1}}""");
        foreach (var (id, json) in records)
        {
            await InsertRecordAsync(tenant, v1, id, json);
        }
        var withMetadata = Guid.NewGuid();
        var chunks = new Dictionary<(Guid, int), byte[]>();
        for (var chunk = 0; chunk < 3; chunk++)
        {
            chunks[(withMetadata, chunk)] = Encoding.UTF8.GetBytes($"chunk {chunk} of the first file " + new string('z', 100));
        }
        var orphanUpload = Guid.NewGuid();
        chunks[(orphanUpload, 0)] = Encoding.UTF8.GetBytes("a chunk of an upload that never completed");
        foreach (var ((upload, chunkNo), content) in chunks)
        {
            await InsertChunkAsync(tenant, v1, upload, chunkNo, content);
        }
        await InsertFileAsync(tenant, v1, "report.pdf", withMetadata, """{"title":"Quarterly report"}""");
        await InsertFileAsync(tenant, v1, "empty.txt", Guid.NewGuid(), """{"name":"empty.txt"}""");

        var status = await services.GetRequiredService<TenantKeyManager>().RotateAsync(tenant.TenantId, "admin");
        var reencryptor = services.GetRequiredService<TenantDataReencryptor>();
        Assert.Equal(13, await reencryptor.CountPendingAsync(tenant.TenantId, 2));

        var first = await reencryptor.RunBatchAsync(tenant.TenantId, status.Current!.Version, ReencryptionCursor.Start, batchSize: 3);
        Assert.Equal((3, ReencryptionTable.Records, false), (first.Reencrypted, first.Next.Table, first.Completed));

        // Another silo (new keyring, new re-encryptor) resumes from the persisted cursor.
        var other = fixture.CreateServices().GetRequiredService<TenantDataReencryptor>();
        var batches = new List<ReencryptionBatch> { first };
        while (!batches[^1].Completed)
        {
            Assert.True(batches.Count < 50, "re-encryption does not finish");
            batches.Add(await other.RunBatchAsync(tenant.TenantId, 2, batches[^1].Next, batchSize: 3));
        }

        Assert.Equal(13, batches.Sum(b => b.Reencrypted));
        Assert.Equal(0, batches.Sum(b => b.Skipped));
        Assert.All(batches, b => Assert.Equal(2, b.TargetVersion));
        Assert.Equal(1, batches.Count(b => b.PassCompleted));
        Assert.Equal(0, await reencryptor.CountPendingAsync(tenant.TenantId, 2));
        var v2 = await services.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant.TenantId);
        await using var source = NpgsqlDataSource.Create(fixture.RegionConnectionString(tenant.Region));

        await using (var read = source.CreateCommand($"SELECT id, version, key_version, payload, index_tokens FROM {tenant.Schema}.records"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            var seen = 0;
            while (await reader.ReadAsync())
            {
                seen++;
                var id = reader.GetString(0);
                var payload = reader.GetFieldValue<byte[]>(3);
                Assert.Equal((1L, 2, 2), (reader.GetInt64(1), reader.GetInt32(2), TenantCipher.KeyVersionOf(payload)));
                var json = Encoding.UTF8.GetString(TenantCipher.Decrypt(v2, payload, TenantDataAad.Record(tenant.TenantId, Collection, id)));
                Assert.Equal(records[id], json);
                using var document = JsonDocument.Parse(json);
                Assert.Equal(Hex(TenantCipher.IndexTokens(v2, document.RootElement)), Hex(reader.GetFieldValue<byte[][]>(4)));
                Assert.Empty(Hex(TenantCipher.IndexTokens(v1, document.RootElement)).Intersect(Hex(reader.GetFieldValue<byte[][]>(4))));
            }
            Assert.Equal(7, seen);
        }
        await using (var read = source.CreateCommand($"SELECT upload_id, chunk_no, key_version, data FROM {tenant.Schema}.file_chunks"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var (upload, chunkNo) = (reader.GetGuid(0), reader.GetInt32(1));
                Assert.Equal(2, reader.GetInt32(2));
                Assert.Equal(chunks[(upload, chunkNo)], TenantCipher.Decrypt(v2, reader.GetFieldValue<byte[]>(3), TenantDataAad.FileChunk(tenant.TenantId, upload, chunkNo)));
            }
        }
        await using (var read = source.CreateCommand($"SELECT id, key_version, metadata FROM {tenant.Schema}.files ORDER BY id"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("empty.txt", 2), (reader.GetString(0), reader.GetInt32(1)));
            Assert.Equal("""{"name":"empty.txt"}""", Encoding.UTF8.GetString(
                TenantCipher.Decrypt(v2, reader.GetFieldValue<byte[]>(2), TenantDataAad.FileMetadata(tenant.TenantId, Collection, "empty.txt"))));
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("report.pdf", 2), (reader.GetString(0), reader.GetInt32(1)));
            Assert.Equal("""{"title":"Quarterly report"}""", Encoding.UTF8.GetString(
                TenantCipher.Decrypt(v2, reader.GetFieldValue<byte[]>(2), TenantDataAad.FileMetadata(tenant.TenantId, Collection, "report.pdf"))));
        }
        // The one-field filter finds records by the new version's token.
        await using (var filter = source.CreateCommand($"SELECT count(*) FROM {tenant.Schema}.records WHERE index_tokens @> ARRAY[$1]"))
        {
            filter.Parameters.Add(new() { Value = TenantCipher.IndexToken(v2, "owner", "user-1"), NpgsqlDbType = NpgsqlDbType.Bytea });
            Assert.Equal(3L, await filter.ExecuteScalarAsync());
        }
        // Old versions stay readable (older backups), and a further batch finds nothing to do.
        Assert.Equal(v1.Material.ToArray(), (await services.GetRequiredService<ITenantKeyring>().GetAsync(tenant.TenantId, 1)).Material.ToArray());
        var again = await reencryptor.RunBatchAsync(tenant.TenantId, 2, ReencryptionCursor.Start, 3);
        Assert.Equal(0, again.Reencrypted);
    }

    [Fact]
    public async Task ConcurrentWriteOfTheDataApi_IsNeverOverwritten_AndTheRowIsSkipped()
    {
        var services = fixture.CreateServices();
        var tenant = await ProvisionAsync(services, "rconc");
        var keyring = services.GetRequiredService<ITenantKeyring>();
        var v1 = await keyring.GetCurrentAsync(tenant.TenantId);
        foreach (var id in new[] { "r0", "r1", "r2" })
        {
            await InsertRecordAsync(tenant, v1, id, $$"""{"name":"{{id}} before"}""");
        }
        await services.GetRequiredService<TenantKeyManager>().RotateAsync(tenant.TenantId, "admin");
        var v2 = await keyring.GetCurrentAsync(tenant.TenantId);
        var regionConnection = fixture.RegionConnectionString(tenant.Region);

        // The data API replaces r1 (with the new key) in a transaction that commits only after the re-encryption read r1.
        const string Written = """{"name":"r1 written by the data API"}""";
        await using var writer = new NpgsqlConnection(regionConnection);
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand(
            $"UPDATE {tenant.Schema}.records SET payload = $1, key_version = 2, index_tokens = $2, version = version + 1 WHERE collection = $3 AND id = 'r1'",
            writer, transaction))
        {
            update.Parameters.Add(new() { Value = TenantCipher.Encrypt(v2, Encoding.UTF8.GetBytes(Written), TenantDataAad.Record(tenant.TenantId, Collection, "r1")) });
            update.Parameters.Add(new() { Value = Tokens(v2, Written), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            update.Parameters.Add(new() { Value = Collection });
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }
        var batch = services.GetRequiredService<TenantDataReencryptor>().RunBatchAsync(tenant.TenantId, 2, ReencryptionCursor.Start, 10);
        Assert.True(await WaitForLockWaitAsync(regionConnection), "the re-encryption never reached the row the data API holds");
        await transaction.CommitAsync();
        var result = await batch;

        Assert.Equal((2, 1), (result.Reencrypted, result.Skipped));
        await using var source = NpgsqlDataSource.Create(regionConnection);
        await using (var read = source.CreateCommand($"SELECT version, payload FROM {tenant.Schema}.records WHERE id = 'r1'"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(2L, reader.GetInt64(0));
            Assert.Equal(Written, Encoding.UTF8.GetString(TenantCipher.Decrypt(v2, reader.GetFieldValue<byte[]>(1), TenantDataAad.Record(tenant.TenantId, Collection, "r1"))));
        }
        Assert.Equal(0, await services.GetRequiredService<TenantDataReencryptor>().CountPendingAsync(tenant.TenantId, 2));
    }

    [Fact]
    public async Task RevokedKey_StopsTheBatch_BeforeAnythingChanges()
    {
        var services = fixture.CreateServices();
        var tenant = await ProvisionAsync(services, "rrev");
        var v1 = await services.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant.TenantId);
        await InsertRecordAsync(tenant, v1, "r0", """{"a":1}""");
        var manager = services.GetRequiredService<TenantKeyManager>();
        await manager.RotateAsync(tenant.TenantId, "admin");
        await manager.RevokeAsync(tenant.TenantId, "admin", "lost laptop");

        var refused = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() =>
            services.GetRequiredService<TenantDataReencryptor>().RunBatchAsync(tenant.TenantId, 2, ReencryptionCursor.Start, 10));

        Assert.Equal(TenantKeyUnavailableReason.Revoked, refused.Reason);
        Assert.Equal(1, await services.GetRequiredService<TenantDataReencryptor>().CountPendingAsync(tenant.TenantId, 2));
    }

    [Fact]
    public async Task RowThatDoesNotDecrypt_StopsTheBatch_NamingTheRow_WithNothingOfTheBatchChanged()
    {
        var services = fixture.CreateServices();
        var tenant = await ProvisionAsync(services, "rbad");
        var v1 = await services.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant.TenantId);
        await InsertRecordAsync(tenant, v1, "r0", """{"a":1}""");
        // r1's ciphertext was written for another record: its associated data does not match its place.
        await InsertRecordAsync(tenant, v1, "r1", """{"a":2}""", aadId: "elsewhere");
        await services.GetRequiredService<TenantKeyManager>().RotateAsync(tenant.TenantId, "admin");

        var failed = await Assert.ThrowsAsync<TenantDataReencryptionException>(() =>
            services.GetRequiredService<TenantDataReencryptor>().RunBatchAsync(tenant.TenantId, 2, ReencryptionCursor.Start, 10));

        Assert.Equal($"record {Collection}/r1", failed.Place);
        Assert.DoesNotContain("\"a\"", failed.Message, StringComparison.Ordinal);
        Assert.Equal(2, await services.GetRequiredService<TenantDataReencryptor>().CountPendingAsync(tenant.TenantId, 2));
    }

    private sealed record Tenant(string TenantId, string Region, string Schema);

    private static async Task<Tenant> ProvisionAsync(IServiceProvider services, string prefix)
    {
        var tenantId = TenantKeysFixture.NewTenantId(prefix);
        // Provisioning runs the key step: the tenant gets its schema and version 1 of its key.
        var location = await services.GetRequiredService<TenantStorageProvisioner>().ProvisionAsync(tenantId, TenantKeysFixture.East, "test-provisioner");
        var tenant = new Tenant(tenantId, location.Region, "\"" + location.SchemaName + "\"");
        await using var insert = services.GetRequiredService<TenantRegions>().DataSource(location.Region).CreateCommand(
            $"INSERT INTO {tenant.Schema}.collections (name, classification, created_at, created_by) VALUES ($1, 'confidential', now(), 'test')");
        insert.Parameters.Add(new() { Value = Collection });
        await insert.ExecuteNonQueryAsync();
        return tenant;
    }

    private async Task InsertRecordAsync(Tenant tenant, TenantDataKey key, string id, string json, string? aadId = null)
    {
        var plaintext = Encoding.UTF8.GetBytes(json);
        await ExecuteAsync(tenant,
            $"""
            INSERT INTO {tenant.Schema}.records (collection, id, classification, version, key_version, payload, index_tokens, size_bytes, created_at, updated_at, updated_by)
            VALUES ($1, $2, 'confidential', 1, $3, $4, $5, $6, now(), now(), 'test')
            """,
            Collection, id, key.Version, TenantCipher.Encrypt(key, plaintext, TenantDataAad.Record(tenant.TenantId, Collection, aadId ?? id)),
            Tokens(key, json), plaintext.Length);
    }

    private Task InsertChunkAsync(Tenant tenant, TenantDataKey key, Guid uploadId, int chunkNo, byte[] content) => ExecuteAsync(tenant,
        $"INSERT INTO {tenant.Schema}.file_chunks (upload_id, chunk_no, key_version, data) VALUES ($1, $2, $3, $4)",
        uploadId, chunkNo, key.Version, TenantCipher.Encrypt(key, content, TenantDataAad.FileChunk(tenant.TenantId, uploadId, chunkNo)));

    private Task InsertFileAsync(Tenant tenant, TenantDataKey key, string id, Guid uploadId, string metadataJson) => ExecuteAsync(tenant,
        $"""
        INSERT INTO {tenant.Schema}.files (collection, id, classification, upload_id, version, content_type, size_bytes, chunk_count, key_version, metadata, created_at, updated_at, updated_by)
        VALUES ($1, $2, 'confidential', $3, 1, 'application/octet-stream', 0, 0, $4, $5, now(), now(), 'test')
        """,
        Collection, id, uploadId, key.Version,
        TenantCipher.Encrypt(key, Encoding.UTF8.GetBytes(metadataJson), TenantDataAad.FileMetadata(tenant.TenantId, Collection, id)));

    private async Task ExecuteAsync(Tenant tenant, string sql, params object[] parameters)
    {
        await using var source = NpgsqlDataSource.Create(fixture.RegionConnectionString(tenant.Region));
        await using var command = source.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter switch
            {
                byte[][] tokens => new NpgsqlParameter { Value = tokens, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                _ => new NpgsqlParameter { Value = parameter },
            });
        }
        await command.ExecuteNonQueryAsync();
    }

    private static byte[][] Tokens(TenantDataKey key, string json)
    {
        using var document = JsonDocument.Parse(json);
        return TenantCipher.IndexTokens(key, document.RootElement);
    }

    private static List<string> Hex(IEnumerable<byte[]> tokens) => [.. tokens.Select(Convert.ToHexString).Order(StringComparer.Ordinal)];

    /// <summary>Waits (with a generous deadline) until a session of the region database waits for a row lock.</summary>
    private static async Task<bool> WaitForLockWaitAsync(string connectionString)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = source.CreateCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return true;
            }
            await Task.Delay(20);
        }
        return false;
    }
}
