using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;
using SaaSReference.Silo.Tests.Quotas;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;
using SaaSReference.Testing;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// The backups API (12.3.1a/b/c, 18.1.3a): operators take a tenant's backup, its admins and operators read the catalogue,
/// another tenant's admin sees nothing of it (9.4.4e); a restore happens only through a tenant-restore change request
/// approved by a second person (6.1.2a); every act is in the audit trail before it is answered.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class TenantBackupsApiTests(SecuredSiloFactory factory)
{
    private const string Region = "jp-east";

    [Fact]
    public async Task Operator_TakesABackup_ItIsCopiedCataloguedAndAudited()
    {
        var tenant = await CreateProvisionedTenantAsync();
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var operatorClient = factory.Operator("op-backups");

        using var created = await operatorClient.PostAsync($"/api/tenants/{tenant}/backups", null);
        var backup = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.StatusCode == HttpStatusCode.Created, backup.ToString());
        var backupId = backup.GetProperty("backupId").GetString()!;
        Assert.Equal($"/api/tenants/{tenant}/backups/{backupId}", created.Headers.Location?.OriginalString);
        Assert.Equal(("completed", tenant, Region, "op-backups"), (backup.GetProperty("status").GetString(), backup.GetProperty("tenantId").GetString(),
            backup.GetProperty("region").GetString(), backup.GetProperty("createdBy").GetString()));
        Assert.Matches("^[0-9a-f]{64}$", backup.GetProperty("sha256").GetString());
        // 18.1.3a: copied to the paired region's site, its SHA-256 checked there.
        var copy = backup.GetProperty("copy");
        Assert.Equal("jp-west", copy.GetProperty("region").GetString());
        Assert.NotEqual(JsonValueKind.Null, copy.GetProperty("copiedAt").ValueKind);

        // 12.3.1b: in the tenant's catalogue (for its admin and operators) and in the search.
        using var admin = TenantAdmin(tenant);
        var own = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/backups");
        Assert.Contains(own.GetProperty("items").EnumerateArray(), item => item.GetProperty("backupId").GetString() == backupId);
        var single = await admin.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/backups/{backupId}");
        Assert.Equal(backup.GetProperty("sha256").GetString(), single.GetProperty("sha256").GetString());
        var search = await operatorClient.GetFromJsonAsync<JsonElement>($"/api/backups?tenant={tenant}&region={Region}&from={Uri.EscapeDataString(since.ToString("O"))}");
        Assert.Equal([backupId], search.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("backupId").GetString()));
        // Approvers read the catalogue too: they must see the backup a restore request names before approving it.
        using var approver = factory.Approver("ap-reader");
        using var approverSearch = await approver.GetAsync($"/api/backups?tenant={tenant}");
        Assert.Equal(HttpStatusCode.OK, approverSearch.StatusCode);

        // Committed before the answer: no flush needed.
        var records = await AuditAsync(tenant, since);
        Assert.Contains(records, r => r.Type == "tenant-data.backup-created" && r.Actor == "op-backups" && r.Outcome == "success" && r.Target == backupId);
        Assert.Contains(records, r => r.Type == "tenant-data.backup-copied" && r.Actor == "op-backups" && r.Outcome == "success"
            && r.Fields["details"].Contains("to=jp-west", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenantAdminOfAnotherTenant_CannotListReadOrCreateThisTenantsBackups()
    {
        var tenant = await CreateProvisionedTenantAsync();
        var other = await CreateProvisionedTenantAsync();
        using var operatorClient = factory.Operator("op-backups");
        using var created = await operatorClient.PostAsync($"/api/tenants/{tenant}/backups", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var backupId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backupId").GetString();

        // 9.4.4e: the tenant comes from the token; the other tenant's admin is refused.
        using var otherAdmin = TenantAdmin(other);
        // 9.4.4e: another tenant's admin is answered as if there were nothing.
        await IsProblemAsync(await otherAdmin.GetAsync($"/api/tenants/{tenant}/backups"), HttpStatusCode.NotFound);
        await IsProblemAsync(await otherAdmin.GetAsync($"/api/tenants/{tenant}/backups/{backupId}"), HttpStatusCode.NotFound);
        await IsProblemAsync(await otherAdmin.PostAsync($"/api/tenants/{tenant}/backups", null), HttpStatusCode.NotFound);
        // Its own catalogue does not show this tenant's backup, nor does asking for it under its own route.
        var own = await otherAdmin.GetFromJsonAsync<JsonElement>($"/api/tenants/{other}/backups");
        Assert.Empty(own.GetProperty("items").EnumerateArray());
        await IsProblemAsync(await otherAdmin.GetAsync($"/api/tenants/{other}/backups/{backupId}"), HttpStatusCode.NotFound);
        // Taking backups is for operators, even of one's own tenant; the cross-tenant search is for platform staff.
        using var admin = TenantAdmin(tenant);
        await IsProblemAsync(await admin.PostAsync($"/api/tenants/{tenant}/backups", null), HttpStatusCode.Forbidden);
        await IsProblemAsync(await admin.GetAsync($"/api/backups?tenant={tenant}"), HttpStatusCode.Forbidden);
        await IsProblemAsync(await admin.PostAsync("/api/platform/backups", null), HttpStatusCode.Forbidden);
        // A member of the tenant who is not its admin does not read the backups either.
        using var member = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        await IsProblemAsync(await member.GetAsync($"/api/tenants/{tenant}/backups"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Restore_OnlyThroughAChangeRequestApprovedByASecondPerson()
    {
        var tenant = await CreateProvisionedTenantAsync();
        await InsertAsync(tenant, "kept", recordBytes: 1000);
        using var operatorClient = factory.Operator("op-restorer");
        using var created = await operatorClient.PostAsync($"/api/tenants/{tenant}/backups", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var backupId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backupId").GetString();
        // After the backup: a collection added, the record removed.
        await InsertAsync(tenant, "added-later", recordBytes: 0);
        await ExecAsync(tenant, "DELETE FROM {0}.records");
        Assert.Equal(["added-later", "kept"], await CollectionsAsync(tenant));
        var storedBefore = (await factory.Tenant(tenant).GetUsageAsync())!.StoredBytes;
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        var request = await operatorClient.RequestAsync(new { kind = "tenant-restore", tenantId = tenant, reason = "Customer deleted data by mistake.", payload = new { backupId } });
        Assert.Equal("tenant-restore", request.GetProperty("kind").GetString());
        Assert.Equal(backupId, request.GetProperty("payload").GetProperty("backupId").GetString());
        // Requesting changed nothing; self-approval is refused and changes nothing either.
        using var self = factory.Approver("op-restorer");
        var refused = await IsProblemAsync(await self.ApproveAsync(request), HttpStatusCode.Forbidden);
        Assert.EndsWith("/self-approval", refused.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(["added-later", "kept"], await CollectionsAsync(tenant));
        Assert.Equal("pending", (await factory.GetRequestAsync(request)).GetProperty("status").GetString());

        using var approver = factory.Approver("ap-restore");
        using var approved = await approver.ApproveAsync(request, "Checked the backup's date with the customer.");
        var body = await approved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(approved.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(("approved", "ap-restore"), (body.GetProperty("status").GetString(), body.GetProperty("decidedBy").GetString()));
        Assert.Contains("restored", body.GetProperty("outcome").GetString(), StringComparison.Ordinal);

        Assert.Equal(["kept"], await CollectionsAsync(tenant));
        // 12.1.3b: the stored-bytes usage follows what is stored: the restored record's 1000 bytes are counted again.
        Assert.Equal(storedBefore + 1000, (await factory.Tenant(tenant).GetUsageAsync())!.StoredBytes);
        var records = await AuditAsync(tenant, since);
        var restored = Assert.Single(records, r => r.Type == "tenant-data.backup-restored");
        Assert.Equal(("op-restorer", backupId, "success"), (restored.Actor, restored.Target, restored.Outcome));
        Assert.Contains("approvedBy=ap-restore", restored.Fields["details"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreRequest_WithABadPayloadOrAnotherTenantsBackup_IsRefusedWithProblemDetails()
    {
        var tenant = await CreateProvisionedTenantAsync();
        var other = await CreateProvisionedTenantAsync();
        using var operatorClient = factory.Operator("op-restorer");
        using var created = await operatorClient.PostAsync($"/api/tenants/{other}/backups", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var othersBackup = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backupId").GetString();

        var missing = await IsProblemAsync(await operatorClient.PostRequestAsync(new { kind = "tenant-restore", tenantId = tenant, reason = "r", payload = new { } }),
            HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("payload.backupId", out _), missing.ToString());
        var extra = await IsProblemAsync(await operatorClient.PostRequestAsync(
            new { kind = "tenant-restore", tenantId = tenant, reason = "r", payload = new { backupId = othersBackup, region = "jp-west" } }), HttpStatusCode.BadRequest);
        Assert.True(extra.GetProperty("errors").TryGetProperty("payload", out _), extra.ToString());
        await IsProblemAsync(await operatorClient.PostRequestAsync(new { kind = "tenant-restore", tenantId = tenant, reason = "r", payload = new { backupId = "not-a-uuid" } }),
            HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.PostRequestAsync(new { kind = "tenant-restore", reason = "r", payload = new { backupId = othersBackup } }),
            HttpStatusCode.BadRequest);
        // Another tenant's backup is answered like a missing one, without naming that tenant.
        var foreign = await IsProblemAsync(await operatorClient.PostRequestAsync(
            new { kind = "tenant-restore", tenantId = tenant, reason = "r", payload = new { backupId = othersBackup } }), HttpStatusCode.BadRequest);
        Assert.DoesNotContain(other, foreign.ToString(), StringComparison.Ordinal);
        await IsProblemAsync(await operatorClient.PostRequestAsync(
            new { kind = "tenant-restore", tenantId = tenant, reason = "r", payload = new { backupId = Guid.NewGuid() } }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task CatalogueSearch_WithBadQueries_AnswersProblemDetails()
    {
        using var operatorClient = factory.Operator("op-search");
        await IsProblemAsync(await operatorClient.GetAsync("/api/backups?from=yesterday"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.GetAsync("/api/backups?region=Japan%20East"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.GetAsync("/api/backups?tenant=NOT_A_TENANT"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.GetAsync("/api/backups?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.GetAsync("/api/backups?limit=100000"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.GetAsync("/api/backups?after=x"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.GetAsync("/api/tenants/some-tenant/backups/not-a-uuid"), HttpStatusCode.BadRequest);
        await IsProblemAsync(await operatorClient.PostAsync("/api/tenants/never-created-tenant/backups", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PlatformBackup_ByOperator_IsCataloguedApartAndAudited()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var operatorClient = factory.Operator("op-platform");

        using var created = await operatorClient.PostAsync("/api/platform/backups", null);
        var backup = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.StatusCode == HttpStatusCode.Created, backup.ToString());
        Assert.Equal("completed", backup.GetProperty("status").GetString());
        Assert.True(backup.GetProperty("tableCounts").TryGetProperty("platform.tenant_catalog", out _));
        var backupId = backup.GetProperty("backupId").GetString();
        var list = await operatorClient.GetFromJsonAsync<JsonElement>("/api/platform/backups");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), item => item.GetProperty("backupId").GetString() == backupId);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync($"/api/platform/backups/{backupId}")).StatusCode);

        var page = await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(null, "platform.backup-created", null, since, DateTimeOffset.UtcNow.AddSeconds(5), 100, null));
        Assert.Contains(page.Records, r => r.Actor == "op-platform" && r.Target == backupId && r.Chain == AuditChains.Platform);
        // Not a tenant backup: it is not in any tenant's catalogue.
        var search = await operatorClient.GetFromJsonAsync<JsonElement>("/api/backups?limit=200");
        Assert.DoesNotContain(search.GetProperty("items").EnumerateArray(), item => item.GetProperty("backupId").GetString() == backupId);
    }

    private HttpClient TenantAdmin(string tenant) =>
        factory.CreateBearerClient(factory.Tokens.Mint(new() { ["sub"] = "admin-" + tenant, ["tenant_id"] = tenant, ["role"] = "tenant-admin" }));

    /// <summary>A tenant created through the API, its storage provisioned (the provisioning is idempotent).</summary>
    private async Task<string> CreateProvisionedTenantAsync()
    {
        var id = ChangeRequestSilo.NewTenantId("bk");
        using var http = factory.BootstrapOperator();
        using var created = await http.PostAsJsonAsync("/api/tenants", new { id, displayName = "Backup test", region = Region });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await factory.Services.GetRequiredService<TenantStorageProvisioner>().ProvisionAsync(id, Region, "test-provisioner");
        return id;
    }

    private async Task InsertAsync(string tenant, string collection, int recordBytes)
    {
        await ExecAsync(tenant, "INSERT INTO {0}.collections (name, classification, created_at, created_by) VALUES ($1, 'internal', now(), 'test')", collection);
        if (recordBytes > 0)
        {
            // The restore moves bytes without reading them: ciphertext-shaped random bytes stand in for a record here.
            await ExecAsync(tenant,
                "INSERT INTO {0}.records (collection, id, classification, version, key_version, payload, size_bytes, created_at, updated_at, updated_by) VALUES ($1, 'r1', 'internal', 1, 1, $2, $3, now(), now(), 'test')",
                collection, RandomNumberGenerator.GetBytes(recordBytes + 33), recordBytes);
        }
    }

    private async Task ExecAsync(string tenant, string sql, params object[] parameters)
    {
        var regions = factory.Services.GetRequiredService<TenantRegions>();
        await using var command = regions.DataSource(Region).CreateCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, TenantSchemas.NameOf(tenant)));
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> CollectionsAsync(string tenant)
    {
        var regions = factory.Services.GetRequiredService<TenantRegions>();
        return await SqlColumn.ReadAsync<string>(regions.DataSource(Region), $"SELECT name FROM {TenantSchemas.NameOf(tenant)}.collections ORDER BY name");
    }

    private async Task<IReadOnlyList<AuditRecord>> AuditAsync(string tenant, DateTimeOffset since) =>
        (await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(tenant, null, null, since, DateTimeOffset.UtcNow.AddSeconds(5), 200, null))).Records;
}
