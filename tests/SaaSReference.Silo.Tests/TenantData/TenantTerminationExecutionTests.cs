using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Silo.TenantData;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantTerminationSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 8.1.5d-f: once approved and past its grace period, a termination leaves the tenant refused everywhere, every version of
/// its data key destroyed at the key provider (its backups become undecryptable), its schema dropped, and what was
/// destroyed recorded; other tenants are untouched. An execution interrupted half-way is finished, exactly once.
/// </summary>
[Collection(TerminationCollection.Name)]
public sealed class TenantTerminationExecutionTests(TerminationSilo silo)
{
    [Fact]
    public async Task Termination_ApprovedAndPastGracePeriod_LeavesNothingReadable_AndOtherTenantsUntouched()
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var doomed = await CreateTenantWithRecordAsync(silo, "term", marker);
        var other = await CreateTenantWithRecordAsync(silo, "keep", marker);
        var backups = silo.Service<TenantBackupService>();
        var doomedBackup = await backups.CreateAsync(doomed, "backup-test");
        var otherBackup = await backups.CreateAsync(other, "backup-test");
        Assert.NotNull(doomedBackup.CopiedAt);
        var captured = await ReadCiphertextAsync(doomed);

        using var admin = silo.Admin(doomed, "admin-" + doomed);
        var requested = await RequestAsync(admin, doomed, "Contract ends; delete everything.");
        Assert.Equal("pending", requested.GetProperty("state").GetString());
        // During the grace period the tenant keeps working: it may still read and export its data.
        using (var read = await admin.GetAsync($"/api/tenants/{doomed}/records/notes/n-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using var approver = silo.Approver("ap-" + doomed);
        var approval = await ApproveAsync(approver, requested);
        Assert.Equal("approved", approval.GetProperty("status").GetString());
        Assert.Contains("grace period", approval.GetProperty("outcome").GetString(), StringComparison.Ordinal);

        var executed = await WaitForStateAsync(silo, doomed, "executed");
        Assert.Equal("admin-" + doomed, executed.GetProperty("requestedBy").GetString());
        Assert.Equal("ap-" + doomed, executed.GetProperty("approvedBy").GetString());
        // Never started before the end of the grace period (the server's own timestamps).
        Assert.True(executed.GetProperty("executionStartedAt").GetDateTimeOffset() >= executed.GetProperty("executeAfter").GetDateTimeOffset());
        var evidence = executed.GetProperty("evidence");
        Assert.Equal(Region, evidence.GetProperty("region").GetString());
        Assert.Equal(TenantSchemas.NameOf(doomed), evidence.GetProperty("schemaName").GetString());
        Assert.Equal(1L, evidence.GetProperty("droppedRows").GetProperty("records").GetInt64());
        Assert.Equal(new[] { 1 }, evidence.GetProperty("keyVersionsDestroyed").EnumerateArray().Select(v => v.GetInt32()).ToArray());
        var undecryptable = evidence.GetProperty("backupsUndecryptable").EnumerateArray().ToList();
        Assert.Equal(doomedBackup.BackupId, Assert.Single(undecryptable).GetProperty("backupId").GetGuid());

        // 1. The schema is gone from the region database; the other tenant's is there.
        await using (var region = NpgsqlDataSource.Create(silo.RegionConnectionString(Region)))
        {
            Assert.Equal(0L, await ScalarAsync<long>(region, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", TenantSchemas.NameOf(doomed)));
            Assert.Equal(0L, await ScalarAsync<long>(region, "SELECT count(*) FROM tenant_storage.tenants WHERE tenant_id = $1", doomed));
            Assert.Equal(1L, await ScalarAsync<long>(region, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", TenantSchemas.NameOf(other)));
        }
        await using (var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString))
        {
            Assert.Equal("terminated", await ScalarAsync<string>(platform, "SELECT state FROM platform.tenant_storage WHERE tenant_id = $1", doomed));
            Assert.Equal(0L, await ScalarAsync<long>(platform, "SELECT count(*) FROM platform.tenant_keys WHERE tenant_id = $1 AND state <> 'destroyed'", doomed));
        }

        // 2. The key provider refuses every version; the keyring too; a ciphertext captured before cannot be decrypted.
        var provider = silo.Service<ITenantKeyProvider>();
        var refused = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.UnwrapAsync(doomed, 1));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, refused.Reason);
        var keyring = silo.Service<ITenantKeyring>();
        var decrypt = await Assert.ThrowsAsync<TenantKeyUnavailableException>(async () =>
            await TenantCipher.DecryptAsync(keyring, doomed, captured, TenantDataAad.Record(doomed, "notes", "n-1")));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, decrypt.Reason);

        // 3. The backup taken before termination: its artifacts are still on the backup sites, hold nothing in clear, and
        //    can be neither restored nor decrypted (the key version that encrypted them is destroyed at the provider).
        var settings = silo.Service<TenantRegions>();
        var artifacts = new[]
        {
            TenantBackupFormat.Resolve(settings.Region(doomedBackup.Region).BackupDirectory, doomedBackup.Location),
            TenantBackupFormat.Resolve(settings.Region(doomedBackup.CopyRegion!).BackupDirectory, doomedBackup.CopyLocation!),
        };
        foreach (var artifact in artifacts)
        {
            Assert.True(File.Exists(artifact), artifact);
            Assert.DoesNotContain(marker, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(artifact)), StringComparison.Ordinal);
        }
        await Assert.ThrowsAsync<TenantBackupRefusedException>(() => backups.RestoreAsync(doomed, doomedBackup.BackupId, "op-restore", "ap-restore"));
        var backupKey = await Assert.ThrowsAsync<TenantKeyUnavailableException>(async () => await keyring.GetAsync(doomed, doomedBackup.KeyVersion!.Value));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, backupKey.Reason);
        var backupAtProvider = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.UnwrapAsync(doomed, doomedBackup.KeyVersion!.Value));
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, backupAtProvider.Reason);

        // 4. The data routes answer 410; the termination itself stays readable to the tenant's admin.
        foreach (var path in new[] { $"/api/tenants/{doomed}/records/notes/n-1", $"/api/tenants/{doomed}/collections", $"/api/tenants/{doomed}/keys" })
        {
            using var gone = await admin.GetAsync(path);
            var problem = await IsProblemAsync(gone, HttpStatusCode.Gone);
            Assert.Equal(TenantTerminationProblems.TerminatedType, problem.GetProperty("type").GetString());
        }
        using (var write = await TenantDataClient.PutRecordAsync(admin, doomed, "notes", "n-2", new { text = "after" }))
        {
            await IsProblemAsync(write, HttpStatusCode.Gone);
        }
        using (var again = await admin.PostAsJsonAsync($"/api/tenants/{doomed}/termination", new { reason = "Again.", confirmTenantId = doomed }))
        {
            await IsProblemAsync(again, HttpStatusCode.Gone);
        }
        using (var view = await admin.GetAsync($"/api/tenants/{doomed}/termination"))
        {
            Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        }
        using (var status = await admin.GetAsync($"/api/tenants/{doomed}"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal("terminated", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        Assert.Equal(TenantStatus.Terminated, (await silo.Service<IGrainFactory>().GetGrain<ITenantGrain>(doomed).GetStandingAsync())!.Status);

        // 5. The other tenant: its data, its key and its backup are intact (the backup decrypts and restores).
        using var otherAdmin = silo.Admin(other, "admin-" + other);
        using (var read = await otherAdmin.GetAsync($"/api/tenants/{other}/records/notes/n-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Contains(marker, await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(1, (await provider.UnwrapAsync(other, 1)).Version);
        var restored = await backups.RestoreAsync(other, otherBackup.BackupId, "op-restore", "ap-restore");
        Assert.Equal(1L, restored.RowCounts["records"]);

        // 6. Every act is in the audit trail.
        var types = await AuditTypesAsync(silo, doomed);
        Assert.Contains("tenant-data.termination-requested", types);
        Assert.Contains("change-request.requested", types);
        Assert.Contains("change-request.approved", types);
        Assert.Contains("tenant-data.key-destroyed", types);
        Assert.Equal(1, types.Count(t => t == "tenant-data.terminated"));
    }

    [Fact]
    public async Task Execution_InterruptedHalfWay_IsFinishedOnce_BySeveralPollersAtOnce()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "intr", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Interrupted execution test.");
        // Far in the future first, so that the background poller leaves it alone while the interruption is staged.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now() + interval '1 day' WHERE termination_id = $1", Id(requested));
        using var approver = silo.Approver("ap-intr");
        await ApproveAsync(approver, requested);
        // A silo claimed it, destroyed the key and died: the row says executing, the key is gone, the schema is still there.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now(), state = 'executing', execution_started_at = now() WHERE termination_id = $1",
            Id(requested));
        await silo.Service<TenantKeyManager>().DestroyAllAsync(tenant, "platform");

        // Three pollers at once (as three silos would): it is executed exactly once.
        var worker = silo.Service<TenantTerminationWorker>();
        await Task.WhenAll(worker.RunOnceAsync(), worker.RunOnceAsync(), worker.RunOnceAsync());
        var done = await WaitForStateAsync(silo, tenant, "executed");
        Assert.Equal(new[] { 1 }, done.GetProperty("evidence").GetProperty("keyVersionsDestroyed").EnumerateArray().Select(v => v.GetInt32()).ToArray());
        Assert.Equal(1L, done.GetProperty("evidence").GetProperty("droppedRows").GetProperty("records").GetInt64());
        Assert.Equal(1, (await AuditTypesAsync(silo, tenant)).Count(t => t == "tenant-data.terminated"));
        await using var region = NpgsqlDataSource.Create(silo.RegionConnectionString(Region));
        Assert.Equal(0L, await ScalarAsync<long>(region, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", TenantSchemas.NameOf(tenant)));
    }

    private async Task<byte[]> ReadCiphertextAsync(string tenant)
    {
        await using var region = NpgsqlDataSource.Create(silo.RegionConnectionString(Region));
        await using var command = region.CreateCommand($"SELECT payload FROM \"{TenantSchemas.NameOf(tenant)}\".records WHERE collection = 'notes' AND id = 'n-1'");
        return (byte[])(await command.ExecuteScalarAsync())!;
    }
}
