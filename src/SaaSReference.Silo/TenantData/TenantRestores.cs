using Npgsql;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Audit;
using SaaSReference.Database.Quotas;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Silo.TenantData;

/// <summary>The payload of a <c>tenant-restore</c> change request, read strictly: <c>{"backupId": "..."}</c> and nothing else.</summary>
internal sealed record TenantRestorePayload(Guid? BackupId = null);

/// <summary>
/// The <c>tenant-restore</c> change request (12.3.1, 6.1.2a): checked when it is requested and again when it is approved
/// (<see cref="CheckAsync"/>), and run only after a different person approved it (<see cref="ExecuteAsync"/>), with the
/// requester and the approver both passed to the restore and named in the audit trail. The tenant's stored-bytes usage
/// follows what the restore stored (12.1.3b): growth is reserved before, and the count settled after.
/// </summary>
public sealed partial class TenantRestores(TenantBackupService backups, IGrainFactory grains, IAuditTrail audit, ILogger<TenantRestores> logger)
{
    /// <summary>Null when the backup can be restored into the tenant now; otherwise why not.</summary>
    public async Task<ChangeRefusal?> CheckAsync(string tenantId, Guid? backupId, CancellationToken cancellationToken)
    {
        if (backupId is not { } id)
        {
            return ChangeRefusal.Field("payload.backupId", "The id of the tenant's backup to restore is required.");
        }
        try
        {
            await backups.EnsureRestorableAsync(tenantId, id, cancellationToken);
            return null;
        }
        catch (TenantBackupRefusedException refused) when (refused.Refusal is TenantBackupRefusal.NotFound or TenantBackupRefusal.OtherTenant)
        {
            // Another tenant's backup is answered like a missing one: its existence is none of this request's business.
            return ChangeRefusal.Field("payload.backupId", $"Tenant '{tenantId}' has no backup {id}.");
        }
        catch (TenantBackupRefusedException refused)
        {
            return ChangeRefusal.Conflict(ChangeRequestsProblems.NotApplicable, "Backup cannot be restored", refused.Message);
        }
        catch (TenantKeyUnavailableException unavailable)
        {
            return ChangeRefusal.Conflict(ChangeRequestsProblems.NotApplicable, "The tenant's data key is unavailable",
                $"The data key that encrypted backup {id} is {Describe(unavailable.Reason)}; the backup cannot be decrypted.");
        }
    }

    /// <summary>Restores the backup named by the approved <paramref name="request"/>; the outcome is kept with the request.</summary>
    public async Task<ChangeExecution> ExecuteAsync(ChangeRequest request, string approvedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var tenantId = request.TenantId!;
        var backupId = request.Payload.BackupId!.Value;
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);

        // 12.1.3b: a restore that makes the tenant store more must fit its quota, reserved before anything changes.
        long reserved = 0;
        try
        {
            var backup = await backups.EnsureRestorableAsync(tenantId, backupId, cancellationToken);
            var growth = (backup.DataBytes ?? 0) - await backups.MeasureDataBytesAsync(tenantId, cancellationToken);
            if (growth > 0)
            {
                var reservation = await tenant.ReserveStorageAsync(growth);
                if (!reservation.Granted)
                {
                    return new(false, $"Nothing was restored: {reservation.Problem ?? "the tenant's storage quota is reached."}");
                }
                reserved = growth;
            }

            var result = await backups.RestoreAsync(tenantId, backupId, request.RequestedBy, approvedBy, cancellationToken);

            // The usage now follows what is stored: what the restore changed, less what was reserved for it.
            var correction = result.DataBytesDelta - reserved;
            reserved = 0;
            if (correction != 0)
            {
                var settled = await tenant.ReserveStorageAsync(correction);
                if (!settled.Granted)
                {
                    LogUsageNotSettled(logger, tenantId, backupId, correction);
                }
            }
            await audit.WriteNowAsync(TenantBackupAudit.Restored(result, request.RequestedBy, approvedBy, request.Id), CancellationToken.None);
            return new(true, $"Tenant '{tenantId}' was restored to backup {backupId}" + (result.FromCopy ? " from its copy at the paired region's site" : "") +
                $" ({string.Join(", ", result.RowCounts.Select(pair => $"{pair.Key}: {pair.Value}"))}).");
        }
        catch (Exception exception) when (Failure(exception) is { } why)
        {
            if (reserved > 0)
            {
                await tenant.ReserveStorageAsync(-reserved);
            }
            LogRestoreFailed(logger, tenantId, backupId, why);
            return new(false, $"Nothing was restored: {why}");
        }
    }

    /// <summary>Why a restore failed, in words for the request's outcome; null for failures that are not the restore's own.</summary>
    private static string? Failure(Exception exception) => exception switch
    {
        TenantBackupRefusedException refused => refused.Message,
        TenantBackupCorruptException corrupt => "the artifact is not the catalogued backup (" + corrupt.Message + ")",
        TenantKeyUnavailableException unavailable => $"the tenant's data key is {Describe(unavailable.Reason)}.",
        TenantStorageUnavailableException => "the tenant has no storage any more.",
        PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } => "the tenant's tables stayed busy; try again when its traffic is low.",
        NpgsqlException => "the region database failed during the restore; the tenant's data is as it was.",
        IOException => "the backup site could not be read.",
        _ => null,
    };

    private static string Describe(TenantKeyUnavailableReason reason) => reason switch
    {
        TenantKeyUnavailableReason.Revoked => "revoked by the tenant's administrators",
        TenantKeyUnavailableReason.Destroyed => "destroyed",
        _ => "missing",
    };

    [LoggerMessage(EventId = 9330, Level = LogLevel.Warning, Message = "Restore of tenant {TenantId} to backup {BackupId} failed: {Reason}")]
    private static partial void LogRestoreFailed(ILogger logger, string tenantId, Guid backupId, string reason);

    [LoggerMessage(EventId = 9331, Level = LogLevel.Warning,
        Message = "Tenant {TenantId} was restored to backup {BackupId} but its stored-bytes usage could not grow by {Bytes} (over its quota).")]
    private static partial void LogUsageNotSettled(ILogger logger, string tenantId, Guid backupId, long bytes);
}
