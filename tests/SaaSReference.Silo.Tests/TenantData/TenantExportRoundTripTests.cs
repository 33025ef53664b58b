using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;
using static SaaSReference.Silo.Tests.TenantData.TenantExportSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 8.1.5a/b, 13.2.2e: a tenant's data leaves as one documented archive (even while frozen) and comes back exactly into a
/// fresh tenant.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantExportRoundTripTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task Export_ThenImportIntoAFreshTenant_ReproducesEveryCollectionRecordAndFileExactly()
    {
        var source = await CreateTenantAsync(factory, "exp");
        using var sourceAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(source));
        var files = await SeedAsync(sourceAdmin, source, bulkRecords: 205);

        var zip = await ExportAsync(sourceAdmin, source);
        var entries = ReadZip(zip);
        var manifest = ManifestOf(entries);
        Assert.Equal("saasreference-tenant-export", manifest.GetProperty("format").GetString());
        Assert.Equal(1, manifest.GetProperty("formatVersion").GetInt32());
        Assert.Equal(source, manifest.GetProperty("tenant").GetString());
        Assert.Equal("jp-east", manifest.GetProperty("region").GetString());
        Assert.Equal("admin-carol", manifest.GetProperty("createdBy").GetString());
        var counts = manifest.GetProperty("counts");
        Assert.Equal(4, counts.GetProperty("collections").GetInt32());
        Assert.Equal(207, counts.GetProperty("records").GetInt64());
        Assert.Equal(3, counts.GetProperty("files").GetInt64());
        Assert.Equal(files.Values.Sum(f => (long)f.Bytes.Length), counts.GetProperty("fileBytes").GetInt64());
        AssertChecksumsMatch(entries, manifest);
        string[] expectedPaths =
        [
            "collections.jsonl", "manifest.json",
            "records/bulk.jsonl", "records/empty.jsonl", "records/media.jsonl", "records/notes.jsonl",
            "files/bulk.jsonl", "files/empty.jsonl", "files/media.jsonl", "files/notes.jsonl",
            "files/media/empty.bin", "files/media/notes.txt", "files/media/report.pdf",
        ];
        Assert.Equal(expectedPaths.Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
        // Nothing internal or secret in the manifest: no schema name, upload id or key material.
        var manifestText = Encoding.UTF8.GetString(entries["manifest.json"]);
        Assert.DoesNotContain("t_" + source.Replace('-', '_'), manifestText, StringComparison.Ordinal);
        Assert.DoesNotContain("upload", manifestText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("key", manifestText, StringComparison.OrdinalIgnoreCase);
        // A record line carries the stored JSON text itself.
        var firstLine = Lines(entries["records/notes.jsonl"]).Single(l => l.GetProperty("id").GetString() == "first");
        Assert.True(JsonNode.DeepEquals(FirstNote, JsonNode.Parse(firstLine.GetProperty("data").GetRawText())));
        Assert.Equal("confidential", firstLine.GetProperty("classification").GetString());

        var target = await CreateTenantAsync(factory, "imp");
        using var targetAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(target));
        using (var imported = await ImportAsync(targetAdmin, target, zip))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            var body = await ReadJsonAsync(imported);
            Assert.Equal(source, body.GetProperty("sourceTenant").GetString());
            Assert.Equal(4, body.GetProperty("collections").GetInt32());
            Assert.Equal(207, body.GetProperty("records").GetInt64());
            Assert.Equal(3, body.GetProperty("files").GetInt64());
        }

        // Collections: name, classification, description.
        Assert.Equal(await CollectionsAsync(sourceAdmin, source), await CollectionsAsync(targetAdmin, target));
        // Records: id, classification and data, the same; and the data is what was written.
        foreach (var collection in new[] { "notes", "bulk", "media", "empty" })
        {
            var before = await RecordsAsync(sourceAdmin, source, collection);
            var after = await RecordsAsync(targetAdmin, target, collection);
            Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
            foreach (var (id, record) in before)
            {
                Assert.Equal(record.Classification, after[id].Classification);
                Assert.Equal(record.Data, after[id].Data);
                Assert.Equal(target, after[id].Tenant);
            }
        }
        var notes = await RecordsAsync(targetAdmin, target, "notes");
        Assert.True(JsonNode.DeepEquals(FirstNote, JsonNode.Parse(notes["first"].Data)));
        Assert.True(JsonNode.DeepEquals(SecondNote, JsonNode.Parse(notes["second_2-x"].Data)));
        Assert.Equal(205, (await RecordsAsync(targetAdmin, target, "bulk")).Count);
        // Files: bytes, content type, file name, SHA-256 and label.
        var described = await targetAdmin.GetFromJsonAsync<JsonElement>($"/api/tenants/{target}/files/media");
        Assert.Equal(3, described.GetProperty("items").GetArrayLength());
        foreach (var item in described.GetProperty("items").EnumerateArray())
        {
            var id = item.GetProperty("id").GetString()!;
            var original = files[id];
            Assert.Equal(original.ContentType, item.GetProperty("contentType").GetString());
            Assert.Equal(original.FileName, item.GetProperty("fileName").GetString());
            Assert.Equal(original.Bytes.Length, item.GetProperty("sizeBytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(original.Bytes)), item.GetProperty("sha256").GetString());
            Assert.Equal("restricted", item.GetProperty("classification").GetString());
            Assert.Equal(original.Bytes, await targetAdmin.GetByteArrayAsync($"/api/tenants/{target}/files/media/{id}"));
        }
        // 12.1.3b: the imported data is counted against the target's storage quota exactly as the source's was.
        Assert.Equal(await StoredBytesAsync(sourceAdmin, source), await StoredBytesAsync(targetAdmin, target));

        // Byte for byte: the target's own export holds the same stored texts and contents (only versions, times and actors
        // are the import's, docs/export-format.md).
        var again = ReadZip(await ExportAsync(targetAdmin, target));
        Assert.Equal(entries.Keys.Order(StringComparer.Ordinal), again.Keys.Order(StringComparer.Ordinal));
        foreach (var path in entries.Keys.Where(p => p.StartsWith("files/media/", StringComparison.Ordinal)))
        {
            Assert.Equal(entries[path], again[path]);
        }
        foreach (var path in entries.Keys.Where(p => p.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            Assert.Equal(Entrusted(entries[path]), Entrusted(again[path]));
        }
        static List<string> Entrusted(byte[] jsonl) =>
            [.. Lines(jsonl).Select(line => string.Join("|", line.EnumerateObject()
                .Where(p => p.Name is not ("version" or "createdAt" or "updatedAt" or "createdBy" or "updatedBy"))
                .Select(p => $"{p.Name}={p.Value.GetRawText()}"))).Order(StringComparer.Ordinal)];

        // Both acts are in the tenants' own audit chains.
        var sourceChain = await ChainAsync(factory, source);
        Assert.Contains(sourceChain, r => r.Type == "tenant-data.exported" && r.Outcome == "started" && r.Actor == "admin-carol");
        Assert.Contains(sourceChain, r => r.Type == "tenant-data.exported" && r.Outcome == "success"
            && r.Fields["details"].Contains("manifestSha256=" + Convert.ToHexStringLower(SHA256.HashData(entries["manifest.json"])), StringComparison.Ordinal));
        Assert.Contains(await ChainAsync(factory, target), r => r.Type == "tenant-data.imported" && r.Outcome == "success"
            && r.Fields["details"].Contains("source=" + source, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFrozenTenant_CanStillExportItsData_ButNotImport()
    {
        var tenant = await CreateTenantAsync(factory, "frz");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "notes");
        using (var put = await PutRecordAsync(admin, tenant, "notes", "kept", new { text = "still mine" }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator()))
        using (var frozen = await operatorHttp.PostAsJsonAsync($"/api/tenants/{tenant}/status",
            new { status = "frozen", reason = "securitySuspension", note = "Investigation." }))
        {
            Assert.Equal(HttpStatusCode.OK, frozen.StatusCode);
        }
        using (var read = await admin.GetAsync($"/api/tenants/{tenant}/records/notes/kept"))
        {
            await IsProblemAsync(read, HttpStatusCode.Forbidden);
        }

        // 8.1.5a: the export still works, complete.
        var zip = await ExportAsync(admin, tenant);
        var entries = ReadZip(zip);
        var manifest = ManifestOf(entries);
        AssertChecksumsMatch(entries, manifest);
        Assert.Equal(1, manifest.GetProperty("counts").GetProperty("records").GetInt64());
        var line = Lines(entries["records/notes.jsonl"]).Single();
        Assert.Equal("still mine", line.GetProperty("data").GetProperty("text").GetString());

        // Writing data in, by import, is not something a frozen tenant does.
        using var import = await ImportAsync(admin, tenant, zip);
        await IsProblemAsync(import, HttpStatusCode.Forbidden);
    }

    private sealed record ShownRecord(string Tenant, string Classification, string Data);

    private static async Task<Dictionary<string, ShownRecord>> RecordsAsync(HttpClient http, string tenant, string collection)
    {
        var found = new Dictionary<string, ShownRecord>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/records/{collection}?limit=200" + (after is null ? "" : "&after=" + after));
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                found.Add(item.GetProperty("id").GetString()!, new ShownRecord(item.GetProperty("tenant").GetString()!,
                    item.GetProperty("classification").GetString()!, item.GetProperty("data").GetRawText()));
            }
            after = page.GetProperty("nextAfter").GetString();
        }
        while (after is not null);
        return found;
    }
}
