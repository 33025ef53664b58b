using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantDataClient;
using static SaaSReference.Silo.Tests.TenantData.TenantExportSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 16.1.7a/b, 18.1.3b: the evidence archive holds one tenant's data and verifiable audit chain, nothing of any other tenant,
/// and only operators produce it. 9.4.4e: another tenant's admin finds none of the export, import and evidence routes.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantExportEvidenceTests(SecuredSiloFactory factory)
{
    private const string OtherMarker = "OTHER-TENANT-MARKER-5c2e";
    private const string OtherCollection = "zz-other-marker-5c2e";

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
        Assert.Contains(await ChainAsync(factory, tenant), r => r.Type == "tenant-data.evidence-exported" && r.Actor == "op-alice" && r.Outcome == "success"
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
        await AssertNothingStoredAsync(factory, emptyAdmin, empty);
    }
}
