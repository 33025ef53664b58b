using System.Globalization;
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
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 8.1.5a/b, 13.2.2e: a tenant's data leaves as one documented archive (even while frozen) and comes back exactly into a
/// fresh tenant; an archive that is altered, incomplete, hostile or of an unknown version stores nothing.
/// 16.1.7a/b, 18.1.3b: the evidence archive holds one tenant's data and verifiable audit chain, nothing of any other tenant,
/// and only operators produce it. 9.4.4e: another tenant's admin finds none of these routes.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantExportTests(SecuredSiloFactory factory)
{
    private const string ZipType = "application/zip";
    private const string OtherMarker = "OTHER-TENANT-MARKER-5c2e";
    private const string OtherCollection = "zz-other-marker-5c2e";

    private static readonly JsonObject FirstNote = JsonNode.Parse(
        """{"title":"Grüße <b>&amp; 日本","n":1.5,"big":12345678901234567890,"nested":{"a":[1,2,3],"empty":{}},"flag":true,"none":null}""")!.AsObject();

    private static readonly JsonObject SecondNote = JsonNode.Parse("""{"text":"line1\nline2 \"quoted\" \u2028 tab\t","e":1e-7}""")!.AsObject();

    // ---------------------------------------------------------------- round trip

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
        var sourceChain = await ChainAsync(source);
        Assert.Contains(sourceChain, r => r.Type == "tenant-data.exported" && r.Outcome == "started" && r.Actor == "admin-carol");
        Assert.Contains(sourceChain, r => r.Type == "tenant-data.exported" && r.Outcome == "success"
            && r.Fields["details"].Contains("manifestSha256=" + Convert.ToHexStringLower(SHA256.HashData(entries["manifest.json"])), StringComparison.Ordinal));
        Assert.Contains(await ChainAsync(target), r => r.Type == "tenant-data.imported" && r.Outcome == "success"
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

    // ---------------------------------------------------------------- invalid archives

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
        await AssertNothingStoredAsync(targetAdmin, target);

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
        await AssertNothingStoredAsync(smallAdmin, small);

        // The spooled archives are gone, whatever the outcome.
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "saasref-import-*"));

        async Task RefusedAsync(byte[] archive, HttpStatusCode status, string problemType)
        {
            using var response = await ImportAsync(targetAdmin, target, archive);
            var problem = await IsProblemAsync(response, status);
            Assert.Equal("https://saasreference.local/problems/tenant-archive-" + problemType, problem.GetProperty("type").GetString());
            Assert.Contains("Nothing was stored", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await AssertNothingStoredAsync(targetAdmin, target);
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
        await AssertNothingStoredAsync(targetAdmin, target);
        Assert.Contains(await ChainAsync(target), r => r.Type == "tenant-data.imported" && r.Outcome == "failed");

        // And the same archive then imports completely.
        using (var imported = await ImportAsync(targetAdmin, target, zip))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }
        Assert.Equal(await StoredBytesAsync(sourceAdmin, source), await StoredBytesAsync(targetAdmin, target));
    }

    // ---------------------------------------------------------------- evidence

    [Fact]
    public async Task Evidence_HoldsTheTenantsDataAndVerifiableAuditChain_AndNothingOfAnotherTenant()
    {
        var tenant = await CreateTenantAsync(factory, "evd");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        var files = await SeedAsync(admin, tenant, bulkRecords: 2);

        // Another tenant, its data and its audit records full of markers; and a platform record naming the marker.
        var other = await CreateTenantAsync(factory, "oth");
        using var otherAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(other, "admin-" + OtherMarker.ToLowerInvariant()));
        await CreateCollectionAsync(otherAdmin, other, OtherCollection, "restricted");
        using (var put = await PutRecordAsync(otherAdmin, other, OtherCollection, "secret", new { code = OtherMarker }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var file = await otherAdmin.PutAsync($"/api/tenants/{other}/files/{OtherCollection}/f1",
            new StringContent(OtherMarker, Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.Created, file.StatusCode);
        }
        var trail = factory.Services.GetRequiredService<IAuditTrail>();
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.TenantDataExported, "actor-" + OtherMarker, other, OtherMarker, "success",
            new Dictionary<string, string> { ["details"] = OtherMarker }));
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.AuditQueried, "op-" + OtherMarker, null, OtherMarker, "success",
            new Dictionary<string, string> { ["filters"] = $"tenant={other} {OtherMarker}", ["returned"] = "1" }));

        using var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator());
        using var response = await operatorHttp.GetAsync($"/api/tenants/{tenant}/evidence?reference=case-2026-042");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ZipType, response.Content.Headers.ContentType!.MediaType);
        var entries = ReadZip(await response.Content.ReadAsByteArrayAsync());
        var manifest = ManifestOf(entries);
        Assert.Equal("saasreference-tenant-evidence", manifest.GetProperty("format").GetString());
        Assert.Equal(tenant, manifest.GetProperty("tenant").GetString());
        Assert.Equal("case-2026-042", manifest.GetProperty("reference").GetString());
        Assert.Equal("op-alice", manifest.GetProperty("createdBy").GetString());
        AssertChecksumsMatch(entries, manifest);

        // 16.1.7a: nothing of the other tenant anywhere: no entry name, no byte of any entry.
        foreach (var (path, bytes) in entries)
        {
            foreach (var marker in new[] { OtherMarker, OtherMarker.ToLowerInvariant(), OtherCollection, other })
            {
                Assert.DoesNotContain(marker, path, StringComparison.Ordinal);
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(marker)) < 0, $"{path} holds '{marker}'");
            }
        }

        // The tenant's data: the same content as its export.
        Assert.Contains("files/media/report.pdf", entries.Keys);
        Assert.Equal(files["report.pdf"].Bytes, entries["files/media/report.pdf"]);
        Assert.True(JsonNode.DeepEquals(FirstNote,
            JsonNode.Parse(Lines(entries["records/notes.jsonl"]).Single(l => l.GetProperty("id").GetString() == "first").GetProperty("data").GetRawText())));
        Assert.Equal(4, Lines(entries["collections.jsonl"]).Count);

        // 16.1.7b, 18.1.3b: the tenant's audit records only, each recomputing to its hash and linked from the genesis...
        var events = Lines(entries["audit/events.jsonl"]);
        Assert.NotEmpty(events);
        var previous = new byte[32];
        long seq = 0;
        foreach (var line in events)
        {
            Assert.Equal("tenant:" + tenant, line.GetProperty("chain").GetString());
            Assert.Equal(tenant, line.GetProperty("tenantId").GetString());
            Assert.Equal(++seq, line.GetProperty("seq").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(previous), line.GetProperty("prevHash").GetString());
            var fields = line.GetProperty("fields").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            var at = DateTimeOffset.ParseExact(line.GetProperty("at").GetString()!, AuditHash.TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            var hash = AuditHash.Compute(previous, line.GetProperty("chain").GetString()!, seq, at, line.GetProperty("type").GetString()!,
                line.GetProperty("severity").GetString()!, line.GetProperty("actor").GetString()!, tenant, line.GetProperty("target").GetString()!,
                line.GetProperty("outcome").GetString()!, fields);
            Assert.Equal(Convert.ToHexStringLower(hash), line.GetProperty("hash").GetString());
            previous = hash;
        }
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "tenant-data.collection-created");
        // ...the production of this very evidence included, with the operator as actor.
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "tenant-data.evidence-exported"
            && e.GetProperty("actor").GetString() == "op-alice" && e.GetProperty("outcome").GetString() == "started"
            && e.GetProperty("fields").GetProperty("details").GetString()!.Contains("case-2026-042", StringComparison.Ordinal));
        var audit = manifest.GetProperty("audit");
        Assert.True(audit.GetProperty("intact").GetBoolean());
        Assert.Equal(events.Count, audit.GetProperty("records").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(previous), audit.GetProperty("headHash").GetString());

        // The chain's head is covered by a checkpoint whose signature verifies with a key of audit/keys.json.
        var keys = JsonDocument.Parse(entries["audit/keys.json"]).RootElement.GetProperty("keys").EnumerateArray()
            .ToDictionary(k => k.GetProperty("keyId").GetString()!, k => Convert.FromBase64String(k.GetProperty("publicKey").GetString()!));
        var checkpoints = Lines(entries["audit/checkpoints.jsonl"]);
        Assert.Contains(checkpoints, c => c.GetProperty("seq").GetInt64() == seq && c.GetProperty("hash").GetString() == Convert.ToHexStringLower(previous));
        foreach (var checkpoint in checkpoints)
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(keys[checkpoint.GetProperty("keyId").GetString()!], out _);
            var signedAt = DateTimeOffset.ParseExact(checkpoint.GetProperty("signedAt").GetString()!, AuditHash.TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            var payload = AuditCheckpoint.Payload("tenant:" + tenant, checkpoint.GetProperty("seq").GetInt64(),
                Convert.FromHexString(checkpoint.GetProperty("hash").GetString()!), signedAt);
            Assert.True(key.VerifyData(payload, Convert.FromBase64String(checkpoint.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256));
        }

        // The act is recorded as the operator's, with what it produced.
        Assert.Contains(await ChainAsync(tenant), r => r.Type == "tenant-data.evidence-exported" && r.Actor == "op-alice" && r.Outcome == "success"
            && r.Fields["details"].Contains("auditIntact=True", StringComparison.Ordinal));

        // An evidence archive is never taken for an export.
        var fresh = await CreateTenantAsync(factory, "evd-imp");
        using var freshAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(fresh));
        using var evidenceImport = await ImportAsync(freshAdmin, fresh, Rezip(entries));
        var problem = await IsProblemAsync(evidenceImport, HttpStatusCode.BadRequest);
        Assert.EndsWith("unknown-format", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evidence_IsForOperatorsOnly_AndAnotherTenantsAdminFindsNoneOfTheseRoutes()
    {
        var tenant = await CreateTenantAsync(factory, "own");
        using var admin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(tenant));
        await CreateCollectionAsync(admin, tenant, "notes");
        using (var evidence = await admin.GetAsync($"/api/tenants/{tenant}/evidence"))
        {
            await IsProblemAsync(evidence, HttpStatusCode.Forbidden);
        }
        using (var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant)))
        using (var export = await member.GetAsync($"/api/tenants/{tenant}/export"))
        {
            await IsProblemAsync(export, HttpStatusCode.Forbidden);
        }
        using (var operatorHttp = factory.CreateBearerClient(factory.Tokens.Operator()))
        using (var badReference = await operatorHttp.GetAsync($"/api/tenants/{tenant}/evidence?reference=" + new string('x', 201)))
        {
            await IsProblemAsync(badReference, HttpStatusCode.BadRequest);
        }

        // 9.4.4e: another tenant's admin gets 404, as for a tenant that does not exist, and changes nothing.
        var empty = await CreateTenantAsync(factory, "own-empty");
        var stranger = await CreateTenantAsync(factory, "stranger");
        using var strangerAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(stranger));
        var zip = await ExportAsync(admin, tenant);
        foreach (var victim in new[] { tenant, empty })
        {
            using (var export = await strangerAdmin.GetAsync($"/api/tenants/{victim}/export"))
            {
                await IsProblemAsync(export, HttpStatusCode.NotFound);
            }
            using (var evidence = await strangerAdmin.GetAsync($"/api/tenants/{victim}/evidence"))
            {
                await IsProblemAsync(evidence, HttpStatusCode.NotFound);
            }
            using (var import = await ImportAsync(strangerAdmin, victim, zip))
            {
                var problem = await IsProblemAsync(import, HttpStatusCode.NotFound);
                Assert.DoesNotContain(victim, problem.ToString(), StringComparison.Ordinal);
            }
        }
        using var emptyAdmin = factory.CreateBearerClient(factory.Tokens.TenantAdmin(empty));
        await AssertNothingStoredAsync(emptyAdmin, empty);
    }

    // ---------------------------------------------------------------- helpers

    private sealed record SeededFile(string ContentType, string? FileName, byte[] Bytes);

    /// <summary>Four collections (one empty), records with awkward JSON, and three files (binary, unnamed text, empty).</summary>
    private static async Task<Dictionary<string, SeededFile>> SeedAsync(HttpClient admin, string tenant, int bulkRecords)
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

    private static async Task<byte[]> ExportAsync(HttpClient http, string tenant)
    {
        using var response = await http.GetAsync($"/api/tenants/{tenant}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ZipType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<HttpResponseMessage> ImportAsync(HttpClient http, string tenant, byte[] archive, string contentType = ZipType)
    {
        var content = new ByteArrayContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await http.PostAsync($"/api/tenants/{tenant}/import", content);
    }

    private static Dictionary<string, byte[]> ReadZip(byte[] zip)
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
    private static byte[] Rezip(Dictionary<string, byte[]> entries, (string Path, byte[] Bytes)? changed = null, string? removed = null,
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

    private static JsonElement ManifestOf(Dictionary<string, byte[]> entries) => JsonDocument.Parse(entries["manifest.json"]).RootElement.Clone();

    /// <summary>Every entry but the manifest is listed in it with its exact size and SHA-256, and nothing else is listed.</summary>
    private static void AssertChecksumsMatch(Dictionary<string, byte[]> entries, JsonElement manifest)
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

    private static List<JsonElement> Lines(byte[] jsonl) =>
        [.. Encoding.UTF8.GetString(jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static async Task<List<string>> CollectionsAsync(HttpClient http, string tenant) =>
        [.. (await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/collections")).GetProperty("items").EnumerateArray()
            .Select(c => $"{c.GetProperty("name").GetString()}|{c.GetProperty("classification").GetString()}|{c.GetProperty("description").GetString()}")];

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

    private static async Task<long> StoredBytesAsync(HttpClient http, string tenant) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/usage")).GetProperty("storedBytes").GetInt64();

    private async Task<IReadOnlyList<AuditRecord>> ChainAsync(string tenant) =>
        await factory.Services.GetRequiredService<AuditStore>().ReadChainAsync(AuditChains.Of(tenant), 0, 10_000);

    private async Task SetStorageQuotaAsync(string tenant, long bytes)
    {
        var result = await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<SaaSReference.Contracts.Tenants.ITenantGrain>(tenant)
            .SetOverridesAsync(new SaaSReference.Contracts.Quotas.QuotaOverrides(StorageBytes: bytes), "op-test", "approver-test");
        Assert.Equal(SaaSReference.Contracts.Quotas.TenantChangeOutcome.Changed, result.Outcome);
    }

    /// <summary>Nothing of any archive in the tenant: no collection, record, file or chunk, in the API or its schema, and no stored bytes counted.</summary>
    private async Task AssertNothingStoredAsync(HttpClient admin, string tenant)
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
