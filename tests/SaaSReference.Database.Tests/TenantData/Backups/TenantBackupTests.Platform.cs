using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Backups;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// The platform backup (the catalogue, no tenant data, in its own directory) and the scheduler's pass, which backs up
/// the due tenants and the platform, each once.
/// </summary>
public sealed partial class TenantBackupTests
{
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
}
