using Npgsql;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// Restoring a tenant backup: exactly the backup, from the copy when the primary is corrupt or missing, with the
/// backup's key version, without touching another tenant; refusals and failures leave everything as it was.
/// </summary>
public sealed partial class TenantBackupTests
{
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
}
