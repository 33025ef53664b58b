using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// Tenant backups and restores against real region databases: 12.3.1c (a backup holds its tenant's schema only),
/// 12.3.1b (searchable catalogue), 18.1.3a (verified copy at the paired region's site), restore of exactly the backup
/// without touching another tenant, and refusals that leave everything as it was.
/// </summary>
public sealed class TenantBackupTests(BackupFixture fixture) : IClassFixture<BackupFixture>
{
    [Fact]
    public async Task Backup_HoldsOnlyItsTenantsSchema_NothingOfTheOtherTenantInArtifactOrManifest()
    {
        var a = await fixture.SeedTenantAsync("a");
        var b = await fixture.SeedTenantAsync("b");

        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");

        Assert.Equal(TenantBackupStatus.Completed, backup.Status);
        Assert.Equal((a.TenantId, BackupFixture.East), (backup.TenantId, backup.Region));
        var artifact = TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), backup.Location);
        Assert.StartsWith(Path.GetFullPath(Path.Combine(fixture.BackupSite(BackupFixture.East), a.TenantId)), artifact, StringComparison.Ordinal);
        // More than one chunk: the artifact was written (and is read) a chunk at a time.
        Assert.True(backup.SizeBytes > 4 * 4096, $"artifact of {backup.SizeBytes} bytes");

        // 12.3.1c: the decrypted content names tenant A (a positive control for the scan) and nothing of tenant B.
        var plaintext = Encoding.UTF8.GetString(await DecryptAsync(artifact, a.TenantId, backup));
        Assert.Contains(a.TenantId, plaintext, StringComparison.Ordinal);
        Assert.Contains(a.Marker, plaintext, StringComparison.Ordinal);
        var raw = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(artifact));
        var manifest = await File.ReadAllTextAsync(TenantBackupFormat.ManifestPathOf(artifact));
        foreach (var other in b.Identifying)
        {
            Assert.DoesNotContain(other, plaintext, StringComparison.Ordinal);
            Assert.DoesNotContain(other, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(other, manifest, StringComparison.Ordinal);
        }
        // Entrusted content is ciphertext in the artifact: A's marker appears only after decryption.
        Assert.DoesNotContain(a.Marker, raw, StringComparison.Ordinal);

        // The manifest describes the artifact and holds no secret.
        var parsed = JsonSerializer.Deserialize<TenantBackupManifest>(manifest, TenantBackupManifest.JsonOptions)!;
        Assert.Equal((backup.BackupId, a.TenantId, a.Schema, backup.Sha256, backup.SizeBytes), (parsed.BackupId, parsed.TenantId, parsed.SchemaName, parsed.Sha256, (long?)parsed.SizeBytes));
        Assert.Equal(await TenantBackupService.Sha256Async(artifact), parsed.Sha256);
        Assert.Equal(TenantBackupFormat.Tables, parsed.Tables.Select(t => t.Name));
        Assert.Equal(5, parsed.Tables.Single(t => t.Name == "records").Rows);
        Assert.Equal(backup.KeyVersion, parsed.KeyVersion);
        var key = await fixture.Keyring.GetCurrentAsync(a.TenantId);
        Assert.DoesNotContain(Convert.ToBase64String(key.Material.Span), manifest, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key.Material.Span), manifest, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Host=", manifest, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Password", manifest, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(fixture.BackupSite(BackupFixture.East), manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_PutsTheTenantBackExactly_AndLeavesTheOtherTenantUntouched()
    {
        var a = await fixture.SeedTenantAsync("a");
        var b = await fixture.SeedTenantAsync("b");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var aAtBackup = await fixture.DumpAsync(a, grainVersions: false);
        var grainsAtBackup = await fixture.GrainVersionsAsync(a);
        var bBefore = await fixture.DumpAsync(b);
        var bytesAtBackup = await fixture.Backups.MeasureDataBytesAsync(a.TenantId);
        Assert.Equal(bytesAtBackup, backup.DataBytes);

        await ChangeAsync(a);
        Assert.NotEqual(aAtBackup, await fixture.DumpAsync(a, grainVersions: false));
        var bytesChanged = await fixture.Backups.MeasureDataBytesAsync(a.TenantId);

        var result = await fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver");

        Assert.Equal(aAtBackup, await fixture.DumpAsync(a, grainVersions: false));
        Assert.Equal(bBefore, await fixture.DumpAsync(b));
        Assert.False(result.FromCopy);
        Assert.Equal(backup.RowCounts, result.RowCounts);
        Assert.Equal((bytesChanged, bytesAtBackup), (result.DataBytesBefore, result.DataBytesAfter));
        Assert.Equal(bytesAtBackup - bytesChanged, result.DataBytesDelta);
        // The grain state comes back above the versions the grains had: a stale activation cannot overwrite it.
        var restoredGrains = await fixture.GrainVersionsAsync(a);
        Assert.Equal(grainsAtBackup.Count, restoredGrains.Count);
        Assert.All(restoredGrains.Zip(grainsAtBackup), pair => Assert.True(Version(pair.First) > Version(pair.Second) + 3, $"{pair.First} after {pair.Second}"));
    }

    [Fact]
    public async Task Backup_IsCopiedToThePairedRegionsSite_WithTheSameSha256_AndIsFoundInTheCatalogue()
    {
        var a = await fixture.SeedTenantAsync("a");
        var west = await fixture.SeedTenantAsync("w", BackupFixture.West);

        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var fromWest = await fixture.Backups.CreateAsync(west.TenantId, "op-backup");

        // 18.1.3a: jp-east's copies go to jp-west's site and jp-west's to jp-east's, checked after the copy.
        Assert.Equal((BackupFixture.West, (string?)null), (backup.CopyRegion, backup.CopyError));
        Assert.NotNull(backup.CopiedAt);
        var copy = TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.West), backup.CopyLocation!);
        Assert.Equal(backup.Sha256, await TenantBackupService.Sha256Async(copy));
        Assert.True(File.Exists(TenantBackupFormat.ManifestPathOf(copy)));
        Assert.Equal(BackupFixture.East, fromWest.CopyRegion);
        Assert.Equal(fromWest.Sha256, await TenantBackupService.Sha256Async(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), fromWest.CopyLocation!)));

        // 12.3.1b: the catalogue finds a tenant's backups, and a region's, and a time range's.
        var second = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var ofA = await fixture.Catalog.SearchAsync(new TenantBackupQuery(a.TenantId, null, null, null, null, 10));
        Assert.Equal([second.BackupId, backup.BackupId], ofA.Items.Select(item => item.BackupId));
        var firstPage = await fixture.Catalog.SearchAsync(new TenantBackupQuery(a.TenantId, null, null, null, null, 1));
        Assert.Equal(second.BackupId, Assert.Single(firstPage.Items).BackupId);
        var nextPage = await fixture.Catalog.SearchAsync(new TenantBackupQuery(a.TenantId, null, null, null, firstPage.NextAfter, 1));
        Assert.Equal(backup.BackupId, Assert.Single(nextPage.Items).BackupId);
        var ofWest = await fixture.Catalog.SearchAsync(new TenantBackupQuery(null, BackupFixture.West, backup.CreatedAt.AddMinutes(-1), null, null, 200));
        Assert.Contains(ofWest.Items, item => item.BackupId == fromWest.BackupId);
        Assert.DoesNotContain(ofWest.Items, item => item.TenantId == a.TenantId);
        var before = await fixture.Catalog.SearchAsync(new TenantBackupQuery(a.TenantId, null, null, backup.CreatedAt, null, 10));
        Assert.Empty(before.Items);
    }

    [Fact]
    public async Task Restore_WithACorruptPrimary_FallsBackToTheCopy()
    {
        var a = await fixture.SeedTenantAsync("a");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var atBackup = await fixture.DumpAsync(a, grainVersions: false);
        await ChangeAsync(a);
        await FlipByteAsync(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), backup.Location));

        var result = await fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver");

        Assert.True(result.FromCopy);
        Assert.Equal(atBackup, await fixture.DumpAsync(a, grainVersions: false));
    }

    [Fact]
    public async Task Restore_WithAMissingPrimary_FallsBackToTheCopy()
    {
        var a = await fixture.SeedTenantAsync("a");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var atBackup = await fixture.DumpAsync(a, grainVersions: false);
        await ChangeAsync(a);
        File.Delete(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), backup.Location));

        var result = await fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver");

        Assert.True(result.FromCopy);
        Assert.Equal(atBackup, await fixture.DumpAsync(a, grainVersions: false));
    }

    [Fact]
    public async Task Restore_OfATamperedArtifactAndCopy_IsRefused_AndChangesNothing()
    {
        var a = await fixture.SeedTenantAsync("a");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        await ChangeAsync(a);
        var current = await fixture.DumpAsync(a);
        await FlipByteAsync(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), backup.Location));
        await FlipByteAsync(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.West), backup.CopyLocation!));

        var refused = await Assert.ThrowsAsync<TenantBackupRefusedException>(
            () => fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver"));

        Assert.Equal(TenantBackupRefusal.NoIntactArtifact, refused.Refusal);
        Assert.Equal(current, await fixture.DumpAsync(a));
    }

    [Fact]
    public async Task Restore_OfAnAlteredArtifactWhoseCatalogueHashWasForged_FailsInsideTheTransaction_AndChangesNothing()
    {
        // Someone able to write both the backup site and the catalogue still cannot make a restore take altered data:
        // the chunks are authenticated by the tenant's key, and the failure rolls back the emptied tables.
        var a = await fixture.SeedTenantAsync("a");
        var b = await fixture.SeedTenantAsync("b");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        await ChangeAsync(a);
        var current = await fixture.DumpAsync(a);
        var bBefore = await fixture.DumpAsync(b);
        var artifact = TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), backup.Location);
        await FlipByteAsync(artifact, fromEnd: 100);
        await using (var platform = NpgsqlDataSource.Create(fixture.PlatformConnectionString))
        {
            await BackupFixture.Exec(platform, "UPDATE platform.tenant_backups SET sha256 = $2 WHERE backup_id = $1",
                backup.BackupId, await TenantBackupService.Sha256Async(artifact));
        }

        await Assert.ThrowsAsync<TenantBackupCorruptException>(
            () => fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver"));

        Assert.Equal(current, await fixture.DumpAsync(a));
        Assert.Equal(bBefore, await fixture.DumpAsync(b));
    }

    [Theory]
    [InlineData(TenantKeyUnavailableReason.Revoked)]
    [InlineData(TenantKeyUnavailableReason.Destroyed)]
    public async Task Restore_WithTheKeyRevokedOrDestroyed_FailsCleanly_AndChangesNothing(TenantKeyUnavailableReason reason)
    {
        var a = await fixture.SeedTenantAsync("a");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        await ChangeAsync(a);
        var current = await fixture.DumpAsync(a);
        if (reason == TenantKeyUnavailableReason.Revoked)
        {
            fixture.Keyring.Revoke(a.TenantId);
        }
        else
        {
            fixture.Keyring.Destroy(a.TenantId);
        }

        var unavailable = await Assert.ThrowsAsync<TenantKeyUnavailableException>(
            () => fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver"));
        Assert.Equal(reason, unavailable.Reason);
        await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => fixture.Backups.EnsureRestorableAsync(a.TenantId, backup.BackupId));
        Assert.Equal(current, await fixture.DumpAsync(a));

        // A backup is not even started without the key: nothing is written or catalogued as completed.
        var before = (await fixture.Catalog.SearchAsync(new TenantBackupQuery(a.TenantId, null, null, null, null, 10))).Items.Count;
        await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => fixture.Backups.CreateAsync(a.TenantId, "op-backup"));
        Assert.Equal(before, (await fixture.Catalog.SearchAsync(new TenantBackupQuery(a.TenantId, null, null, null, null, 10))).Items.Count);
    }

    [Fact]
    public async Task Restore_AfterKeyRotation_UsesTheKeyVersionOfTheBackup()
    {
        var a = await fixture.SeedTenantAsync("a");
        var backup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var atBackup = await fixture.DumpAsync(a, grainVersions: false);
        fixture.Keyring.Rotate(a.TenantId);
        await ChangeAsync(a);

        await fixture.Backups.RestoreAsync(a.TenantId, backup.BackupId, "op-requester", "ap-approver");

        Assert.Equal(1, backup.KeyVersion);
        Assert.Equal(atBackup, await fixture.DumpAsync(a, grainVersions: false));
        Assert.Equal(2, (await fixture.Backups.CreateAsync(a.TenantId, "op-backup")).KeyVersion);
    }

    [Fact]
    public async Task Restore_OfAnotherTenantsBackup_OrWithoutASecondPerson_IsRefused_AndChangesNothing()
    {
        var a = await fixture.SeedTenantAsync("a");
        var b = await fixture.SeedTenantAsync("b");
        var backupOfA = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");
        var bBefore = await fixture.DumpAsync(b);
        var aBefore = await fixture.DumpAsync(a);

        var otherTenant = await Assert.ThrowsAsync<TenantBackupRefusedException>(
            () => fixture.Backups.RestoreAsync(b.TenantId, backupOfA.BackupId, "op-requester", "ap-approver"));
        Assert.Equal(TenantBackupRefusal.OtherTenant, otherTenant.Refusal);
        Assert.DoesNotContain(a.TenantId, otherTenant.Message, StringComparison.Ordinal);

        var selfApproved = await Assert.ThrowsAsync<TenantBackupRefusedException>(
            () => fixture.Backups.RestoreAsync(a.TenantId, backupOfA.BackupId, "op-same", "op-same"));
        Assert.Equal(TenantBackupRefusal.NotApproved, selfApproved.Refusal);

        var unknown = await Assert.ThrowsAsync<TenantBackupRefusedException>(
            () => fixture.Backups.RestoreAsync(a.TenantId, Guid.NewGuid(), "op-requester", "ap-approver"));
        Assert.Equal(TenantBackupRefusal.NotFound, unknown.Refusal);

        Assert.Equal(bBefore, await fixture.DumpAsync(b));
        Assert.Equal(aBefore, await fixture.DumpAsync(a));
    }

    [Fact]
    public async Task Backup_OfASchemaWithAnUnknownTable_FailsAndIsCataloguedFailed()
    {
        // A table the backup format does not know would be silently left out: the backup refuses instead.
        var a = await fixture.SeedTenantAsync("a");
        await using (var region = NpgsqlDataSource.Create(fixture.RegionConnectionString(BackupFixture.East)))
        {
            await BackupFixture.Exec(region, $"CREATE TABLE {a.Schema}.extra (id int)");
        }

        var failed = await Assert.ThrowsAsync<TenantBackupFailedException>(() => fixture.Backups.CreateAsync(a.TenantId, "op-backup"));

        var catalogued = await fixture.Catalog.GetAsync(failed.BackupId);
        Assert.Equal(TenantBackupStatus.Failed, catalogued!.Status);
        Assert.Contains("extra", catalogued.Failure, StringComparison.Ordinal);
        Assert.False(File.Exists(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), catalogued.Location)));
        Assert.False(File.Exists(TenantBackupFormat.Resolve(fixture.BackupSite(BackupFixture.East), catalogued.Location) + ".partial"));
    }

    [Fact]
    public async Task PlatformBackup_HoldsTheCatalogueButNoTenantData_InItsOwnDirectory()
    {
        var a = await fixture.SeedTenantAsync("a");
        var tenantBackup = await fixture.Backups.CreateAsync(a.TenantId, "op-backup");

        var backup = await fixture.PlatformBackups.CreateAsync("op-platform");

        Assert.Equal(TenantBackupStatus.Completed, backup.Status);
        var path = Path.Combine(fixture.PlatformBackupDirectory, backup.Location);
        Assert.Equal(backup.Sha256, await TenantBackupService.Sha256Async(path));
        // 12.3.1a: apart from the tenant backup sites, and tenant backups never in it.
        foreach (var region in new[] { BackupFixture.East, BackupFixture.West })
        {
            var site = Path.GetFullPath(fixture.BackupSite(region));
            Assert.False(Path.GetFullPath(path).StartsWith(site, StringComparison.Ordinal));
            Assert.DoesNotContain(Directory.GetFiles(site, "*.json", SearchOption.AllDirectories), f => !f.EndsWith(".manifest.json", StringComparison.Ordinal));
        }
        Assert.Empty(Directory.GetFiles(fixture.PlatformBackupDirectory, "*.backup", SearchOption.AllDirectories));

        var text = await File.ReadAllTextAsync(path);
        using var document = JsonDocument.Parse(text);
        var tables = document.RootElement.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(PlatformBackupService.Tables.Select(t => t.Table), tables);
        Assert.All(tables, table => Assert.StartsWith("platform.", table, StringComparison.Ordinal));
        // The catalogue knows the tenant and where its storage and backups are...
        Assert.Contains(a.TenantId, text, StringComparison.Ordinal);
        Assert.Contains(tenantBackup.BackupId.ToString(), text, StringComparison.Ordinal);
        // ...but holds none of its entrusted data, and no key.
        Assert.DoesNotContain(a.Marker, text, StringComparison.Ordinal);
        Assert.DoesNotContain(a.Collection, text, StringComparison.Ordinal);
        var key = await fixture.Keyring.GetCurrentAsync(a.TenantId);
        Assert.DoesNotContain(Convert.ToBase64String(key.Material.Span), text, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(backup.TableCounts["platform.tenant_storage"],
            document.RootElement.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "platform.tenant_storage").GetProperty("count").GetInt64());

        var page = await fixture.PlatformBackups.ListAsync(null, 10);
        Assert.Contains(page.Items, item => item.BackupId == backup.BackupId);
    }

    [Fact]
    public async Task SchedulerPass_BacksUpDueTenantsOneByOne_SkipsARevokedKey_AndTakesNothingTwice()
    {
        var due = await fixture.SeedTenantAsync("s");
        var revoked = await fixture.SeedTenantAsync("r");
        fixture.Keyring.Revoke(revoked.TenantId);
        var audit = new RecordingAuditTrail();
        using var scheduler = new TenantBackupScheduler(fixture.Backups, fixture.PlatformBackups, fixture.Catalog,
            fixture.Services.GetRequiredService<NpgsqlDataSource>(), audit, Options.Create(new TenantBackupOptions()), TimeProvider.System,
            NullLogger<TenantBackupScheduler>.Instance);

        await scheduler.RunOnceAsync(CancellationToken.None);

        var ofDue = (await fixture.Catalog.SearchAsync(new TenantBackupQuery(due.TenantId, null, null, null, null, 10))).Items;
        var taken = Assert.Single(ofDue);
        Assert.Equal((TenantBackupStatus.Completed, TenantBackupScheduler.Actor), (taken.Status, taken.CreatedBy));
        Assert.NotNull(taken.CopiedAt);
        Assert.Empty((await fixture.Catalog.SearchAsync(new TenantBackupQuery(revoked.TenantId, null, null, null, null, 10))).Items);
        Assert.Contains(audit.Events, e => e.Type == AuditEventTypes.TenantBackupCreated && e.TenantId == due.TenantId && e.Outcome == TenantBackupAudit.Success);
        Assert.Contains(audit.Events, e => e.Type == AuditEventTypes.TenantBackupCopied && e.TenantId == due.TenantId && e.Outcome == TenantBackupAudit.Success);
        Assert.Contains(audit.Events, e => e.Type == AuditEventTypes.TenantBackupCreated && e.TenantId == revoked.TenantId && e.Outcome == TenantBackupAudit.Failed
            && e.Fields["details"].Contains("revoked", StringComparison.Ordinal));
        Assert.Contains(audit.Events, e => e.Type == AuditEventTypes.PlatformBackupCreated && e.Outcome == TenantBackupAudit.Success);

        // Nothing is due any more within the interval: a second pass takes no second backup of the tenant, nor of the platform.
        var platformBefore = (await fixture.PlatformBackups.ListAsync(null, 200)).Items.Count;
        await scheduler.RunOnceAsync(CancellationToken.None);
        Assert.Single((await fixture.Catalog.SearchAsync(new TenantBackupQuery(due.TenantId, null, null, null, null, 10))).Items);
        Assert.Equal(platformBefore, (await fixture.PlatformBackups.ListAsync(null, 200)).Items.Count);
    }

    /// <summary>Changes the tenant's data in every way a restore must undo.</summary>
    private async Task ChangeAsync(SeededTenant tenant)
    {
        await using var source = NpgsqlDataSource.Create(fixture.RegionConnectionString(tenant.Region));
        var key = await fixture.Keyring.GetCurrentAsync(tenant.TenantId);
        var schema = tenant.Schema;
        await BackupFixture.Exec(source, $"DELETE FROM {schema}.records WHERE id LIKE 'rec-0-%'");
        await BackupFixture.Exec(source, $"UPDATE {schema}.records SET version = version + 1, size_bytes = size_bytes + 7 WHERE id LIKE 'rec-1-%'");
        await BackupFixture.InsertRecordAsync(source, tenant, key, "added-after-backup", """{"late":true,"text":"more bytes than before"}""");
        await BackupFixture.Exec(source, $"DELETE FROM {schema}.files");
        await BackupFixture.Exec(source, $"DELETE FROM {schema}.file_chunks WHERE chunk_no = 2");
        await BackupFixture.Exec(source, $"UPDATE {schema}.labels SET value = 'changed' WHERE key = 'classification'");
        await BackupFixture.Exec(source, $"UPDATE {schema}.grain_state SET payload = $1, version = version + 1", Encoding.UTF8.GetBytes("changed"));
        await BackupFixture.Exec(source, $"UPDATE {schema}.collections SET description = 'changed'");
    }

    private async Task<byte[]> DecryptAsync(string artifact, string tenantId, TenantBackup backup)
    {
        var key = await fixture.Keyring.GetAsync(tenantId, backup.KeyVersion!.Value);
        await using var file = File.OpenRead(artifact);
        using var reader = new TenantBackupReader(file, key, tenantId, backup.BackupId);
        await reader.ReadHeaderAsync(CancellationToken.None);
        using var plaintext = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            plaintext.Write(buffer, 0, read);
        }
        Assert.Equal(backup.Sha256, await reader.FinishAsync(CancellationToken.None));
        return plaintext.ToArray();
    }

    private static async Task FlipByteAsync(string path, int fromEnd = 0)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var at = fromEnd > 0 ? bytes.Length - fromEnd : bytes.Length / 2;
        bytes[at] ^= 0x5A;
        await File.WriteAllBytesAsync(path, bytes);
    }

    private static int Version(string grain) => int.Parse(grain[(grain.LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
