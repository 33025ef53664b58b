using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// What the export, import and evidence tests share: the seeded data, calling the export and import routes, reading and
/// rewriting archives, and what a tenant stores.
/// </summary>
internal static class TenantExportSteps
{
    public const string ZipType = "application/zip";

    public static readonly JsonObject FirstNote = JsonNode.Parse(
        """{"title":"Grüße <b>&amp; 日本","n":1.5,"big":12345678901234567890,"nested":{"a":[1,2,3],"empty":{}},"flag":true,"none":null}""")!.AsObject();

    public static readonly JsonObject SecondNote = JsonNode.Parse("""{"text":"line1\nline2 \"quoted\" \u2028 tab\t","e":1e-7}""")!.AsObject();

    public sealed record SeededFile(string ContentType, string? FileName, byte[] Bytes);

    /// <summary>Four collections (one empty), records with awkward JSON, and three files (binary, unnamed text, empty).</summary>
    public static async Task<Dictionary<string, SeededFile>> SeedAsync(HttpClient admin, string tenant, int bulkRecords)
    {
        await CreateCollectionAsync(admin, tenant, "notes", "confidential");
        await CreateCollectionAsync(admin, tenant, "media", "restricted");
        await CreateCollectionAsync(admin, tenant, "empty", "public");
        await CreateCollectionAsync(admin, tenant, "bulk", "internal");
        foreach (var (id, data) in new[] { ("first", FirstNote), ("second_2-x", SecondNote) })
        {
            using var content = new StringContent(data.ToJsonString(), Encoding.UTF8, "application/json");
            using var put = await admin.PutAsync($"/api/tenants/{tenant}/records/notes/{id}", content);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        for (var i = 0; i < bulkRecords; i++)
        {
            using var put = await PutRecordAsync(admin, tenant, "bulk", $"b{i:D4}", new { i, text = $"record {i}" });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        var files = new Dictionary<string, SeededFile>(StringComparer.Ordinal)
        {
            ["report.pdf"] = new("application/pdf", "Bericht Q1 – ü.pdf", RandomNumberGenerator.GetBytes(200_000)),
            ["notes.txt"] = new("text/plain", null, Encoding.UTF8.GetBytes("plain text, no file name\n")),
            ["empty.bin"] = new("application/octet-stream", "empty.bin", []),
        };
        foreach (var (id, file) in files)
        {
            var content = new ByteArrayContent(file.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
            if (file.FileName is not null)
            {
                content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = file.FileName };
            }
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/tenants/{tenant}/files/media/{id}") { Content = content };
            using var response = await admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        return files;
    }

    public static async Task<byte[]> ExportAsync(HttpClient http, string tenant)
    {
        using var response = await http.GetAsync($"/api/tenants/{tenant}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ZipType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        return await response.Content.ReadAsByteArrayAsync();
    }

    public static async Task<HttpResponseMessage> ImportAsync(HttpClient http, string tenant, byte[] archive, string contentType = ZipType)
    {
        var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await http.PostAsync($"/api/tenants/{tenant}/import", content);
    }

    public static Dictionary<string, byte[]> ReadZip(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.True(entries.TryAdd(entry.FullName, copy.ToArray()), $"{entry.FullName} twice");
        }
        return entries;
    }

    /// <summary>The archive again, with one entry changed, removed or added (the manifest left as it was unless it is the one changed).</summary>
    public static byte[] Rezip(Dictionary<string, byte[]> entries, (string Path, byte[] Bytes)? changed = null, string? removed = null,
        (string Path, byte[] Bytes)? added = null)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in entries)
            {
                if (path == removed)
                {
                    continue;
                }
                using var stream = archive.CreateEntry(path).Open();
                stream.Write(changed is { } c && c.Path == path ? c.Bytes : bytes);
            }
            if (added is { } extra)
            {
                using var stream = archive.CreateEntry(extra.Path).Open();
                stream.Write(extra.Bytes);
            }
        }
        return buffer.ToArray();
    }

    public static JsonElement ManifestOf(Dictionary<string, byte[]> entries) => JsonDocument.Parse(entries["manifest.json"]).RootElement.Clone();

    /// <summary>Every entry but the manifest is listed in it with its exact size and SHA-256, and nothing else is listed.</summary>
    public static void AssertChecksumsMatch(Dictionary<string, byte[]> entries, JsonElement manifest)
    {
        var listed = manifest.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(entries.Keys.Where(k => k != "manifest.json").Order(StringComparer.Ordinal),
            listed.Select(e => e.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        foreach (var entry in listed)
        {
            var bytes = entries[entry.GetProperty("path").GetString()!];
            Assert.Equal(bytes.Length, entry.GetProperty("size").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), entry.GetProperty("sha256").GetString());
        }
    }

    public static List<JsonElement> Lines(byte[] jsonl) =>
        [.. Encoding.UTF8.GetString(jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    public static async Task<List<string>> CollectionsAsync(HttpClient http, string tenant) =>
        [.. (await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/collections")).GetProperty("items").EnumerateArray()
            .Select(c => $"{c.GetProperty("name").GetString()}|{c.GetProperty("classification").GetString()}|{c.GetProperty("description").GetString()}")];

    public static async Task<long> StoredBytesAsync(HttpClient http, string tenant) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/usage")).GetProperty("storedBytes").GetInt64();

    public static async Task<IReadOnlyList<AuditRecord>> ChainAsync(SecuredSiloFactory factory, string tenant) =>
        await factory.Services.GetRequiredService<AuditStore>().ReadChainAsync(AuditChains.Of(tenant), 0, 10_000);

    /// <summary>Nothing of any archive in the tenant: no collection, record, file or chunk, in the API or its schema, and no stored bytes counted.</summary>
    public static async Task AssertNothingStoredAsync(SecuredSiloFactory factory, HttpClient admin, string tenant)
    {
        Assert.Empty(await CollectionsAsync(admin, tenant));
        Assert.Equal(0, await StoredBytesAsync(admin, tenant));
        await using var region = NpgsqlDataSource.Create(factory.RegionConnectionString("jp-east"));
        foreach (var table in new[] { "collections", "records", "files", "file_chunks" })
        {
            await using var count = region.CreateCommand($"SELECT count(*) FROM \"t_{tenant.Replace('-', '_')}\".{table}");
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }
    }
}
