using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;
using static SaaSReference.Silo.Tests.TenantData.TenantExportSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 8.1.5a/b, 13.2.2e: an archive that is altered, incomplete, hostile or of an unknown version stores nothing; neither does an
/// import refused for the target's contents or quota, nor one that fails part-way (it is rolled back completely).
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantExportInvalidArchiveTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task InvalidArchives_GetClearProblems_AndStoreNothing()
    {
        var source = await CreateTenantAsync(factory, "bad-src");
        using var sourceAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(source));
        await SeedAsync(sourceAdmin, source, bulkRecords: 3);
        var zip = await ExportAsync(sourceAdmin, source);
        var good = ReadZip(zip);

        var target = await CreateTenantAsync(factory, "bad-dst");
        using var targetAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(target));

        // A byte flipped in a record line (still valid JSON) and in a file's content: the manifest's SHA-256 no longer matches.
        await RefusedAsync(Rezip(good, changed: ("records/notes.jsonl", FlipFirst(good["records/notes.jsonl"], (byte)'G', (byte)'H'))),
            HttpStatusCode.BadRequest, "checksum-mismatch");
        var pdf = (byte[])good["files/media/report.pdf"].Clone();
        pdf[pdf.Length / 2] ^= 0x01;
        await RefusedAsync(Rezip(good, changed: ("files/media/report.pdf", pdf)), HttpStatusCode.BadRequest, "checksum-mismatch");
        // An entry the manifest lists is missing.
        await RefusedAsync(Rezip(good, removed: "records/notes.jsonl"), HttpStatusCode.BadRequest, "missing-entry");
        // A path-traversal entry, and an entry the manifest does not list.
        await RefusedAsync(Rezip(good, added: ("../evil", "owned"u8.ToArray())), HttpStatusCode.BadRequest, "unsafe-path");
        await RefusedAsync(Rezip(good, added: ("/etc/passwd", "owned"u8.ToArray())), HttpStatusCode.BadRequest, "unsafe-path");
        await RefusedAsync(Rezip(good, added: ("records/planted.jsonl", "{}\n"u8.ToArray())), HttpStatusCode.BadRequest, "unexpected-entry");
        // A format version this platform does not read, and an archive of another format.
        await RefusedAsync(Rezip(good, changed: ("manifest.json", EditManifest(good, m => m["formatVersion"] = 2))), HttpStatusCode.BadRequest, "unknown-format");
        await RefusedAsync(Rezip(good, changed: ("manifest.json", EditManifest(good, m => m["format"] = "someone-elses-export"))), HttpStatusCode.BadRequest,
            "unknown-format");
        await RefusedAsync(Rezip(good, removed: "manifest.json"), HttpStatusCode.BadRequest, "unknown-format");
        // Counts that do not add up.
        await RefusedAsync(Rezip(good, changed: ("manifest.json", EditManifest(good, m => m["counts"]!["records"] = 99))), HttpStatusCode.BadRequest,
            "checksum-mismatch");
        // A record over the platform's record size (64 KiB), in an archive whose checksums are otherwise all right.
        var huge = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            id = "huge", classification = "confidential", version = 1, createdAt = DateTimeOffset.UtcNow, updatedAt = DateTimeOffset.UtcNow,
            updatedBy = "someone", data = new { blob = new string('x', 70_000) },
        }) + "\n");
        await RefusedAsync(Resealed(good, "records/notes.jsonl", [.. good["records/notes.jsonl"], .. huge]), HttpStatusCode.RequestEntityTooLarge, "too-large");
        // Not a ZIP at all, and a truncated one.
        await RefusedAsync(RandomNumberGenerator.GetBytes(4096), HttpStatusCode.BadRequest, "not-an-archive");
        await RefusedAsync(zip[..(zip.Length / 2)], HttpStatusCode.BadRequest, "not-an-archive");
        // The archive, but not declared as one.
        using (var mistyped = await ImportAsync(targetAdmin, target, zip, "application/octet-stream"))
        {
            await IsProblemAsync(mistyped, HttpStatusCode.UnsupportedMediaType);
        }
        await AssertNothingStoredAsync(factory, targetAdmin, target);

        // A target that already has a collection is refused, and keeps exactly what it had.
        var occupied = await CreateTenantAsync(factory, "bad-full");
        using var occupiedAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(occupied));
        await CreateCollectionAsync(occupiedAdmin, occupied, "mine", "internal");
        using (var own = await PutRecordAsync(occupiedAdmin, occupied, "mine", "r", new { v = 1 }))
        {
            Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        }
        var usageBefore = await StoredBytesAsync(occupiedAdmin, occupied);
        using (var conflict = await ImportAsync(occupiedAdmin, occupied, zip))
        {
            var problem = await IsProblemAsync(conflict, HttpStatusCode.Conflict);
            Assert.EndsWith("tenant-not-empty", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(["mine"], (await CollectionsAsync(occupiedAdmin, occupied)).Select(c => c.Split('|')[0]));
        Assert.Equal(usageBefore, await StoredBytesAsync(occupiedAdmin, occupied));

        // An import refused for quota stores nothing either.
        var small = await CreateTenantAsync(factory, "bad-quota");
        await SetStorageQuotaAsync(small, 1_000);
        using var smallAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(small));
        using (var over = await ImportAsync(smallAdmin, small, zip))
        {
            await IsProblemAsync(over, HttpStatusCode.RequestEntityTooLarge);
        }
        await AssertNothingStoredAsync(factory, smallAdmin, small);

        // The spooled archives are gone, whatever the outcome.
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "saasref-import-*"));

        async Task RefusedAsync(byte[] archive, HttpStatusCode status, string problemType)
        {
            using var response = await ImportAsync(targetAdmin, target, archive);
            var problem = await IsProblemAsync(response, status);
            Assert.Equal("https://saasreference.local/problems/tenant-archive-" + problemType, problem.GetProperty("type").GetString());
            Assert.Contains("Nothing was stored", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await AssertNothingStoredAsync(factory, targetAdmin, target);
        }
    }

    [Fact]
    public async Task AnImportThatFailsPartWay_IsRolledBackCompletely()
    {
        var source = await CreateTenantAsync(factory, "rb-src");
        using var sourceAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(source));
        await SeedAsync(sourceAdmin, source, bulkRecords: 3);
        var zip = await ExportAsync(sourceAdmin, source);

        // The target's admins revoked its data key: the archive checks out and the collections are created (they need no
        // key), then the first record cannot be encrypted. Everything the import created goes again.
        var target = await CreateTenantAsync(factory, "rb-dst");
        using var targetAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(target));
        using (var revoke = await targetAdmin.PostAsync($"/api/tenants/{target}/keys/revoke", Json("""{"reason":"Testing a failed import."}""")))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }
        using (var failed = await ImportAsync(targetAdmin, target, zip))
        {
            var problem = await IsProblemAsync(failed, HttpStatusCode.Locked);
            Assert.Equal("https://saasreference.local/problems/tenant-key-revoked", problem.GetProperty("type").GetString());
        }
        using (var reinstate = await targetAdmin.PostAsync($"/api/tenants/{target}/keys/reinstate", null))
        {
            Assert.Equal(HttpStatusCode.OK, reinstate.StatusCode);
        }
        await AssertNothingStoredAsync(factory, targetAdmin, target);
        Assert.Contains(await ChainAsync(factory, target), r => r.Type == "tenant-data.imported" && r.Outcome == "failed");

        // And the same archive then imports completely.
        using (var imported = await ImportAsync(targetAdmin, target, zip))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }
        Assert.Equal(await StoredBytesAsync(sourceAdmin, source), await StoredBytesAsync(targetAdmin, target));
    }

    /// <summary>The archive with one entry replaced and the manifest's size and SHA-256 of it updated to match (counts left as they were).</summary>
    private static byte[] Resealed(Dictionary<string, byte[]> entries, string path, byte[] bytes)
    {
        var manifest = EditManifest(entries, m =>
        {
            var listed = m["entries"]!.AsArray().Single(e => e!["path"]!.GetValue<string>() == path)!;
            listed["size"] = bytes.Length;
            listed["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        });
        var changed = new Dictionary<string, byte[]>(entries, StringComparer.Ordinal) { [path] = bytes, ["manifest.json"] = manifest };
        return Rezip(changed);
    }

    private static byte[] EditManifest(Dictionary<string, byte[]> entries, Action<JsonObject> edit)
    {
        var manifest = JsonNode.Parse(entries["manifest.json"])!.AsObject();
        edit(manifest);
        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    }

    private static byte[] FlipFirst(byte[] bytes, byte from, byte to)
    {
        var copy = (byte[])bytes.Clone();
        copy[Array.IndexOf(copy, from)] = to;
        return copy;
    }

    private async Task SetStorageQuotaAsync(string tenant, long bytes)
    {
        var result = await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<SaaSReference.Contracts.Tenants.ITenantGrain>(tenant)
            .SetOverridesAsync(new SaaSReference.Contracts.Quotas.QuotaOverrides(StorageBytes: bytes), "op-test", "approver-test");
        Assert.Equal(SaaSReference.Contracts.Quotas.TenantChangeOutcome.Changed, result.Outcome);
    }
}
