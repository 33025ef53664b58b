using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>
/// Scheduled backups (12.3.1): every <see cref="TenantBackupOptions.ScheduleCheckInterval"/>, the platform and every
/// provisioned tenant whose newest backup is older than <see cref="TenantBackupOptions.ScheduleInterval"/> is backed up,
/// one tenant at a time, each audited. Of several silos, one runs a pass at a time (an advisory lock in the platform
/// database); the catalogue tells which tenants are due, so a pass that was interrupted is resumed by the next. Off
/// unless <see cref="TenantBackupOptions.ScheduleEnabled"/>.
/// </summary>
public sealed partial class TenantBackupScheduler(
    TenantBackupService tenantBackups,
    PlatformBackupService platformBackups,
    TenantBackupCatalog catalog,
    NpgsqlDataSource platform,
    IAuditTrail audit,
    IOptions<TenantBackupOptions> options,
    TimeProvider time,
    ILogger<TenantBackupScheduler> logger) : BackgroundService
{
    /// <summary>The actor of scheduled backups in the catalogue and the audit trail.</summary>
    public const string Actor = "platform-backup-schedule";

    // "SAASBKP1" in ASCII: one scheduler pass at a time across silos.
    private const long LockKey = 0x5341_4153_424B_5031;
    private const int BatchSize = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ScheduleEnabled)
        {
            LogScheduleOff(logger);
            return;
        }
        using var timer = new PeriodicTimer(options.Value.ScheduleCheckInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or InvalidOperationException)
            {
                LogPassFailed(logger, exception.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass: the backups that are due, one after the other. Answers how many were taken (0 when another silo holds the pass).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
        {
            tryLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            if (await tryLock.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return 0;
            }
        }
        try
        {
            return await PassAsync(cancellationToken);
        }
        finally
        {
            // A pooled connection keeps its session, and the lock with it: release it explicitly.
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    private async Task<int> PassAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var since = now - settings.ScheduleInterval;
        await catalog.FailStaleAsync(now - settings.StaleCreatingAfter, cancellationToken);
        var taken = 0;

        if (await platformBackups.LatestCompletedAsync(cancellationToken) is not { } last || last < since)
        {
            try
            {
                var backup = await platformBackups.CreateAsync(Actor, cancellationToken);
                await audit.WriteNowAsync(TenantBackupAudit.PlatformCreated(backup, Actor), cancellationToken);
                taken++;
            }
            catch (TenantBackupFailedException failed)
            {
                await audit.WriteNowAsync(TenantBackupAudit.PlatformNotCreated(failed.BackupId, Actor, failed.Message), cancellationToken);
            }
            catch (PlatformBackupNotConfiguredException)
            {
                await audit.WriteNowAsync(TenantBackupAudit.PlatformNotCreated(null, Actor, "platform backups are not configured"), cancellationToken);
            }
        }

        string? after = null;
        while (true)
        {
            var due = await catalog.DueTenantsAsync(since, after, BatchSize, cancellationToken);
            foreach (var tenantId in due)
            {
                // Bounded: one tenant at a time, each finished (and audited) before the next starts.
                if (await BackUpAsync(tenantId, cancellationToken))
                {
                    taken++;
                }
            }
            if (due.Count < BatchSize)
            {
                return taken;
            }
            after = due[^1];
        }
    }

    private async Task<bool> BackUpAsync(string tenantId, CancellationToken cancellationToken)
    {
        try
        {
            var backup = await tenantBackups.CreateAsync(tenantId, Actor, cancellationToken);
            await audit.WriteNowAsync(TenantBackupAudit.Created(backup, Actor), cancellationToken);
            if (backup.CopyRegion is not null)
            {
                await audit.WriteNowAsync(TenantBackupAudit.Copied(backup, Actor), cancellationToken);
            }
            return true;
        }
        catch (TenantKeyUnavailableException unavailable)
        {
            // A revoked key is the tenant's decision (10.1.2b): nothing can be encrypted for it until it is reinstated.
            await audit.WriteNowAsync(TenantBackupAudit.NotCreated(tenantId, null, Actor, $"the tenant's data key is {unavailable.Reason.ToString().ToLowerInvariant()}"),
                cancellationToken);
        }
        catch (TenantBackupFailedException failed)
        {
            await audit.WriteNowAsync(TenantBackupAudit.NotCreated(tenantId, failed.BackupId, Actor, failed.Message), cancellationToken);
        }
        catch (TenantStorageUnavailableException)
        {
            // Terminated since it was listed: nothing to back up.
        }
        return false;
    }

    [LoggerMessage(EventId = 9320, Level = LogLevel.Information, Message = "Scheduled backups are off (TenantBackups:ScheduleEnabled).")]
    private static partial void LogScheduleOff(ILogger logger);

    [LoggerMessage(EventId = 9321, Level = LogLevel.Warning, Message = "A scheduled backup pass failed ({Error}); the next pass resumes it.")]
    private static partial void LogPassFailed(ILogger logger, string error);
}
