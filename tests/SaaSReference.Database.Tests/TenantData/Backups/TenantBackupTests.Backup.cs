using System.Text;
using System.Text.Json;
using Npgsql;
using SaaSReference.Database.TenantData.Backups;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// Taking a tenant backup: its tenant's schema only (12.3.1c), a verified copy at the paired region's site (18.1.3a),
/// found in the catalogue (12.3.1b), and catalogued as failed rather than leaving a table out.
/// </summary>
public sealed partial class TenantBackupTests
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
}
