using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.TenantData;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Grains.Quotas;

namespace SaaSReference.Grains.TenantData;

/// <summary>The persisted progress of a tenant's re-encryption (in the tenant's own schema, <see cref="StorageNames.Tenant"/>).</summary>
[GenerateSerializer]
public sealed class TenantKeyRotationState
{
    [Id(0)] public int TargetVersion { get; set; }
    [Id(1)] public TenantKeyRotationStatus Status { get; set; }
    /// <summary>The cursor's table (<see cref="ReencryptionTable"/>), kept as its number.</summary>
    [Id(2)] public int Table { get; set; }
    [Id(3)] public string? AfterFirst { get; set; }
    [Id(4)] public string? AfterSecond { get; set; }
    [Id(5)] public long PendingAtStart { get; set; }
    [Id(6)] public long Reencrypted { get; set; }
    [Id(7)] public long Skipped { get; set; }
    [Id(8)] public int Passes { get; set; }
    [Id(9)] public DateTimeOffset? StartedAt { get; set; }
    [Id(10)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(11)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(12)] public string? Problem { get; set; }
    [Id(13)] public string RequestedBy { get; set; } = "";
}

/// <summary>
/// Re-encrypts a tenant's data after a key rotation (10.1.2b), keyed by the tenant id. A timer runs bounded batches of
/// <see cref="TenantDataReencryptor"/> while the grain is active; the cursor and counters are written to the tenant's own
/// schema after every batch, and a reminder reactivates the grain after a silo restart or a move, so the work resumes where it
/// stopped. A revoked key pauses it (the reminder tries again); a destroyed key or a row that does not decrypt stops it with
/// the problem recorded. On completion the key metadata records it and the audit trail gets
/// <c>tenant-data.key-rotation-completed</c>.
/// </summary>
public sealed partial class TenantKeyRotationGrain(
    [PersistentState("key-rotation", StorageNames.Tenant)] IPersistentState<TenantKeyRotationState> state,
    TenantDataReencryptor reencryptor,
    TenantKeyManager keys,
    IOptions<TenantKeyOptions> options,
    TimeProvider time,
    ILogger<TenantKeyRotationGrain> logger) : TenantScopedGrain, ITenantKeyRotationGrain, IRemindable
{
    private const string ReminderName = "key-rotation";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly TenantKeyOptions _options = options.Value;
    private IGrainTimer? _timer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        if (state.State.Status == TenantKeyRotationStatus.Running)
        {
            // Reactivated (by the reminder, after a restart or a move): resume from the persisted cursor.
            StartTimer();
        }
    }

    public Task<TenantKeyRotationProgress> GetProgressAsync() => Task.FromResult(Progress());

    public async Task<TenantKeyRotationProgress> StartAsync(int targetVersion, string requestedBy)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetVersion);
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var current = state.State;
        var inProgress = current.Status is TenantKeyRotationStatus.Running or TenantKeyRotationStatus.Paused;
        if ((inProgress || current.Status == TenantKeyRotationStatus.Completed) && current.TargetVersion >= targetVersion)
        {
            if (current.Status == TenantKeyRotationStatus.Paused)
            {
                // Asked again while paused (the key was reinstated): go on now rather than at the next reminder.
                current.Status = TenantKeyRotationStatus.Running;
                current.Problem = null;
                await state.WriteStateAsync();
                StartTimer();
            }
            return Progress();
        }
        var now = time.GetUtcNow();
        var pending = await reencryptor.CountPendingAsync(TenantId, targetVersion);
        if (!inProgress)
        {
            // A new rotation: counters from zero, a pass from the start.
            current.Table = (int)ReencryptionTable.Records;
            current.AfterFirst = null;
            current.AfterSecond = null;
            current.Reencrypted = 0;
            current.Skipped = 0;
            current.Passes = 0;
            current.StartedAt = now;
        }
        // A rotation to a newer version while one runs keeps its cursor: the end of the pass finds what lies behind it.
        current.TargetVersion = targetVersion;
        current.Status = TenantKeyRotationStatus.Running;
        current.PendingAtStart = pending;
        current.CompletedAt = null;
        current.Problem = null;
        current.UpdatedAt = now;
        current.RequestedBy = requestedBy;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
        StartTimer();
        return Progress();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (state.State.Status)
        {
            case TenantKeyRotationStatus.Running:
                StartTimer();
                break;
            case TenantKeyRotationStatus.Paused:
                // Try again: if the key was reinstated the work goes on; if not, the tick pauses it again.
                state.State.Status = TenantKeyRotationStatus.Running;
                state.State.Problem = null;
                await state.WriteStateAsync();
                StartTimer();
                break;
            default:
                await StopReminderAsync();
                break;
        }
    }

    private void StartTimer()
    {
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.ReencryptionInterval,
            Interleave = false,
            KeepAlive = true,
        });
    }

    private void StopTimer()
    {
        if (_timer is { } timer)
        {
            _timer = null;
            // Disposed, not awaited: an asynchronous disposal waits for the running tick, which may be this very call.
            timer.Dispose();
        }
    }

    /// <summary>One tick: batches until the budget is spent, each persisted before the next, so a crash loses at most one batch's bookkeeping.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (state.State.Status == TenantKeyRotationStatus.Running && !cancellationToken.IsCancellationRequested)
        {
            var s = state.State;
            ReencryptionBatch batch;
            try
            {
                batch = await reencryptor.RunBatchAsync(TenantId, s.TargetVersion, new ReencryptionCursor((ReencryptionTable)s.Table, s.AfterFirst, s.AfterSecond),
                    _options.EffectiveBatchSize, cancellationToken);
            }
            catch (TenantKeyUnavailableException exception) when (exception.Reason == TenantKeyUnavailableReason.Revoked)
            {
                await StopAsync(TenantKeyRotationStatus.Paused,
                    "The tenant's data key is revoked; re-encryption resumes after it is reinstated.", keepReminder: true);
                return;
            }
            catch (TenantKeyUnavailableException exception)
            {
                await StopAsync(TenantKeyRotationStatus.Failed, exception.Reason == TenantKeyUnavailableReason.Destroyed
                    ? "The tenant's data key was destroyed; there is nothing left to re-encrypt."
                    : "The tenant has no data key.", keepReminder: false);
                return;
            }
            catch (TenantDataReencryptionException exception)
            {
                LogRowFailed(logger, TenantId, exception.Place);
                await StopAsync(TenantKeyRotationStatus.Failed,
                    $"The {exception.Place} does not decrypt with the key version it names; re-encryption stopped. Rotate again once it is repaired or removed.",
                    keepReminder: false);
                return;
            }
            catch (TenantStorageUnavailableException)
            {
                await StopAsync(TenantKeyRotationStatus.Failed, "The tenant has no storage.", keepReminder: false);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database or the key provider failed for a moment: the next tick tries the same batch again.
                LogBatchFailed(logger, TenantId, exception);
                return;
            }

            s.TargetVersion = batch.TargetVersion;
            s.Table = (int)batch.Next.Table;
            s.AfterFirst = batch.Next.AfterFirst;
            s.AfterSecond = batch.Next.AfterSecond;
            s.Reencrypted += batch.Reencrypted;
            s.Skipped += batch.Skipped;
            s.Passes += batch.PassCompleted ? 1 : 0;
            s.UpdatedAt = time.GetUtcNow();
            if (batch.Completed)
            {
                // Recorded (and audited) first: if persisting the state fails after it, the next tick completes again
                // and the record is not repeated.
                await keys.CompleteRotationAsync(TenantId, s.TargetVersion, string.Create(CultureInfo.InvariantCulture,
                    $"all data on key version {s.TargetVersion}: {s.Reencrypted} rows re-encrypted in {s.Passes} passes ({s.Skipped} left to concurrent writes); requested by {s.RequestedBy}"),
                    cancellationToken);
                s.Status = TenantKeyRotationStatus.Completed;
                s.CompletedAt = s.UpdatedAt;
                await state.WriteStateAsync();
                await StopReminderAsync();
                StopTimer();
                return;
            }
            await state.WriteStateAsync();
            if (Stopwatch.GetElapsedTime(started) >= _options.ReencryptionTickBudget)
            {
                return;
            }
        }
    }

    private async Task StopAsync(TenantKeyRotationStatus status, string problem, bool keepReminder)
    {
        state.State.Status = status;
        state.State.Problem = problem;
        state.State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        if (!keepReminder)
        {
            await StopReminderAsync();
        }
        StopTimer();
    }

    private async Task StopReminderAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private TenantKeyRotationProgress Progress()
    {
        var s = state.State;
        return new TenantKeyRotationProgress(s.TargetVersion, s.Status, s.PendingAtStart, s.Reencrypted, s.Skipped, s.Passes,
            s.StartedAt, s.UpdatedAt, s.CompletedAt, s.Problem);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A re-encryption batch of tenant {TenantId} failed; the next tick tries it again.")]
    private static partial void LogBatchFailed(ILogger logger, string tenantId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-encryption of tenant {TenantId} stopped: the {Place} does not decrypt with the key version it names.")]
    private static partial void LogRowFailed(ILogger logger, string tenantId, string place);
}
