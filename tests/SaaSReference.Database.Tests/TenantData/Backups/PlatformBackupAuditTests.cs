using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Backups;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// 12.4.2b: the audit trail and its signed checkpoints go with every platform backup, whole and in chain order, with
/// what an offline verifier needs: each record in the backup still recomputes to its hash and links to its predecessor.
/// </summary>
public sealed class PlatformBackupAuditTests(BackupFixture fixture) : IClassFixture<BackupFixture>
{
    [Fact]
    public async Task PlatformBackup_HoldsTheWholeTrailAndItsCheckpoints_Checkable()
    {
        var store = new AuditStore(fixture.Services.GetRequiredService<NpgsqlDataSource>());
        using var keys = new AuditCheckpointKeys(AuditCheckpointKeys.NewPrivateKey());
        var tenant = "bk-audit-" + Guid.NewGuid().ToString("N")[..6];
        await store.AppendAsync([.. Enumerable.Range(1, 5).Select(n => new AuditEvent(AuditEventTypes.GrainStateChanged, "user-b", tenant, $"r/{n}", "success",
            new Dictionary<string, string> { ["grain"] = "g", ["method"] = "PutAsync", ["durationMs"] = "1" }))]);
        await store.CheckpointAsync(keys, TimeProvider.System);

        var backup = await fixture.PlatformBackups.CreateAsync("op-platform");

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixture.PlatformBackupDirectory, backup.Location)));
        JsonElement Table(string name) => document.RootElement.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        var rows = Table("platform.audit_events").GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("chain").GetString() == "tenant:" + tenant).ToList();
        Assert.Equal([1L, 2, 3, 4, 5], rows.Select(r => r.GetProperty("seq").GetInt64()));
        var previous = AuditHash.Genesis;
        foreach (var row in rows)
        {
            var record = new AuditRecord(row.GetProperty("chain").GetString()!, row.GetProperty("seq").GetInt64(),
                row.GetProperty("at").GetDateTimeOffset(), row.GetProperty("type").GetString()!, row.GetProperty("severity").GetString()!,
                row.GetProperty("actor").GetString()!, row.GetProperty("tenant_id").GetString(), row.GetProperty("target").GetString()!,
                row.GetProperty("outcome").GetString()!, row.GetProperty("fields").Deserialize<Dictionary<string, string>>()!,
                Hex(row.GetProperty("prev_hash")), Hex(row.GetProperty("hash")));
            Assert.Equal(previous, record.PrevHash);
            Assert.Equal(record.Hash, AuditHash.Compute(record));
            previous = record.Hash;
        }
        var checkpoint = Assert.Single(Table("platform.audit_checkpoints").GetProperty("rows").EnumerateArray(),
            r => r.GetProperty("chain").GetString() == "tenant:" + tenant);
        Assert.Equal(previous, Hex(checkpoint.GetProperty("hash")));
        Assert.Equal(backup.TableCounts["platform.audit_events"], Table("platform.audit_events").GetProperty("count").GetInt64());
    }

    /// <summary>row_to_json writes bytea as "\x" and hex digits.</summary>
    private static byte[] Hex(JsonElement value) => Convert.FromHexString(value.GetString()!.AsSpan(2));
}
