using Npgsql;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// Every <see cref="FlushInterval"/>, adds the refusals counted since the last flush to
/// <c>platform.limit_rejections</c> in one statement; the addition happens in the database, so any number of
/// gateway instances add to the same rows without losing a count (12.1.3c). A failed write is kept and tried again;
/// a graceful stop flushes once more.
/// </summary>
public sealed partial class RejectionFlushService(
    RejectionCounter counter, LimitRejectionStore store, TimeProvider time, ILogger<RejectionFlushService> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last second's refusals; bounded by the host's shutdown timeout.
        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes what has been counted; returns how many rows were written (0 when nothing or on failure).</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var batch = counter.Drain();
        if (batch.Count == 0)
        {
            return 0;
        }
        try
        {
            await store.AddAsync([.. batch.Select(b => new LimitRejectionWindow(b.TenantId, b.WindowStart, b.Rejected))], cancellationToken);
            return batch.Count;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            counter.Restore(batch);
            LogFlushFailed(logger, batch.Count, exception);
            return 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync flushes once more.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write {Count} rejection counts to platform.limit_rejections; keeping them for the next flush.")]
    private static partial void LogFlushFailed(ILogger logger, int count, Exception exception);
}
