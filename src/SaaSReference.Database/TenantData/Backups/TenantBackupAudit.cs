using System.Globalization;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>
/// The audit records of backups and restores (12.3.1, 12.4.3a), written with <see cref="IAuditTrail.WriteNowAsync"/> before
/// the act is answered. A tenant's backup and restore go to that tenant's chain; a platform backup to the platform's.
/// The details name the backup, its size, SHA-256, key version and sites: never a key or a byte of data.
/// </summary>
public static class TenantBackupAudit
{
    public const string Success = "success";
    public const string Failed = "failed";

    public static AuditEvent Created(TenantBackup backup, string actor)
    {
        ArgumentNullException.ThrowIfNull(backup);
        return Event(AuditEventTypes.TenantBackupCreated, actor, backup.TenantId, backup.BackupId, Success,
            string.Create(CultureInfo.InvariantCulture,
                $"region={backup.Region} size={backup.SizeBytes} sha256={backup.Sha256} keyVersion={backup.KeyVersion} regionSchemaVersion={backup.RegionSchemaVersion} rows={Rows(backup.RowCounts)}"));
    }

    /// <summary>18.1.3a: the copy to the paired region's site, or why it failed (the backup itself is good then).</summary>
    public static AuditEvent Copied(TenantBackup backup, string actor)
    {
        ArgumentNullException.ThrowIfNull(backup);
        return backup.CopiedAt is not null
            ? Event(AuditEventTypes.TenantBackupCopied, actor, backup.TenantId, backup.BackupId, Success,
                $"from={backup.Region} to={backup.CopyRegion} sha256={backup.Sha256} verified=true")
            : Event(AuditEventTypes.TenantBackupCopied, actor, backup.TenantId, backup.BackupId, Failed,
                $"from={backup.Region} to={backup.CopyRegion} error={backup.CopyError}");
    }

    /// <summary>
    /// A backup that was asked for and not taken (key unavailable, database or site failure). In the tenant's chain, or in
    /// the platform's (<paramref name="inTenantChain"/> false) when the tenant has no storage and may not exist at all.
    /// </summary>
    public static AuditEvent NotCreated(string tenantId, Guid? backupId, string actor, string reason, bool inTenantChain = true) =>
        Event(AuditEventTypes.TenantBackupCreated, actor, inTenantChain ? tenantId : null, backupId, Failed, $"tenant={tenantId} reason={reason}");

    /// <summary>12.3.1, 6.1.2a: a restore, with the requester as actor and the approver named.</summary>
    public static AuditEvent Restored(TenantRestoreResult result, string actor, string approvedBy, Guid changeRequestId)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Event(AuditEventTypes.TenantBackupRestored, actor, result.TenantId, result.BackupId, Success,
            string.Create(CultureInfo.InvariantCulture,
                $"approvedBy={approvedBy} changeRequest={changeRequestId} region={result.Region} fromCopy={result.FromCopy} rows={Rows(result.RowCounts)} dataBytesBefore={result.DataBytesBefore} dataBytesAfter={result.DataBytesAfter}"));
    }

    public static AuditEvent PlatformCreated(PlatformBackup backup, string actor)
    {
        ArgumentNullException.ThrowIfNull(backup);
        return Event(AuditEventTypes.PlatformBackupCreated, actor, null, backup.BackupId, Success,
            string.Create(CultureInfo.InvariantCulture,
                $"size={backup.SizeBytes} sha256={backup.Sha256} platformSchemaVersion={backup.PlatformSchemaVersion} rows={Rows(backup.TableCounts)}"));
    }

    public static AuditEvent PlatformNotCreated(Guid? backupId, string actor, string reason) =>
        Event(AuditEventTypes.PlatformBackupCreated, actor, null, backupId, Failed, "reason=" + reason);

    private static AuditEvent Event(AuditEventType type, string actor, string? tenantId, Guid? target, string outcome, string details) =>
        new(type, actor, tenantId, target?.ToString() ?? "", outcome, new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = details });

    private static string Rows(IReadOnlyDictionary<string, long> counts) =>
        string.Join(",", counts.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key}:{pair.Value}")));
}
