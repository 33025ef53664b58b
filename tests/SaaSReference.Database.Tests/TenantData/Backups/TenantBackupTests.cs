using System.Text;
using Npgsql;
using SaaSReference.Database.TenantData.Backups;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// Tenant backups and restores against real region databases: 12.3.1c (a backup holds its tenant's schema only),
/// 12.3.1b (searchable catalogue), 18.1.3a (verified copy at the paired region's site), restore of exactly the backup
/// without touching another tenant, and refusals that leave everything as it was.
/// This part holds the shared fixture and helpers; the tests are in parts: taking backups, restoring them, and the
/// platform backup with the scheduler's pass.
/// </summary>
public sealed partial class TenantBackupTests(BackupFixture fixture) : IClassFixture<BackupFixture>
{
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
