using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SaaSReference.Database.Audit;

/// <summary>How hooks hand events to the audit trail.</summary>
public interface IAuditTrail
{
    /// <summary>
    /// Queues a high-volume event; returns at once unless the queue is full, in which case it waits for room
    /// (back-pressure rather than a lost record).
    /// </summary>
    ValueTask EnqueueAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>Commits a privileged act's record before returning, so the act is acknowledged only once recorded.</summary>
    Task WriteNowAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);
}

public sealed class AuditOptions
{
    public const string Section = "Audit";
    public int QueueCapacity { get; set; } = 10_000;
    public int BatchSize { get; set; } = 500;
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Zero: this process signs no checkpoints (the identity service leaves it to the silos).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Base64 PKCS#8 of the ECDSA P-256 checkpoint key; from a secret store.</summary>
    public string? CheckpointSigningKey { get; set; }
    /// <summary>Base64 SubjectPublicKeyInfo of retired checkpoint keys still trusted by verify.</summary>
    public List<string> CheckpointPublicKeys { get; } = [];
    /// <summary>
    /// Whether the silo registers the grain call audit filter (12.4.3a/b). Only the audit overhead benchmark turns it
    /// off; a silo started so writes a critical <c>audit.grain-calls-unrecorded</c> record first.
    /// </summary>
    public bool RecordGrainCalls { get; set; } = true;
    /// <summary>
    /// Where a copy of every checkpoint this process signs is appended, outside the database (a volume the database's
    /// administrators cannot write); verify reads it too. Empty: no copy (development).
    /// </summary>
    public string? CheckpointDirectory { get; set; }
}

/// <summary>
/// The audit trail's writer: a bounded queue drained in batches every <see cref="AuditOptions.FlushInterval"/>, a
/// synchronous path for privileged acts, periodic signed checkpoints, and a final flush and checkpoint on graceful
/// shutdown. A failed batch is retried, not dropped; what a crash can lose is in docs/audit.md.
/// </summary>
public sealed partial class AuditWriter(AuditStore store, AuditCheckpointKeys keys, AuditCheckpointLog checkpointLog, IOptions<AuditOptions> options,
    TimeProvider time, ILogger<AuditWriter> logger) : BackgroundService, IAuditTrail
{
    private readonly AuditOptions _options = options.Value;
    private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ValueTask EnqueueAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (_queue.Writer.TryWrite(auditEvent))
        {
            return ValueTask.CompletedTask;
        }
        return WaitAsync(auditEvent, cancellationToken);
    }

    private async ValueTask WaitAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(auditEvent, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // After shutdown began: written directly rather than lost.
            await store.AppendAsync([auditEvent], cancellationToken);
        }
    }

    public async Task WriteNowAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        await store.AppendAsync([auditEvent], cancellationToken);
    }

    /// <summary>Writes everything queued so far (tests, and shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var batch = new List<AuditEvent>(_options.BatchSize);
        while (true)
        {
            batch.Clear();
            while (batch.Count < _options.BatchSize && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            if (batch.Count == 0)
            {
                return;
            }
            await AppendWithRetryAsync(batch, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextCheckpoint = time.GetUtcNow() + _options.CheckpointInterval;
        using var timer = new PeriodicTimer(_options.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
                if (_options.CheckpointInterval > TimeSpan.Zero && time.GetUtcNow() >= nextCheckpoint)
                {
                    await CheckpointAsync(stoppingToken);
                    nextCheckpoint = time.GetUtcNow() + _options.CheckpointInterval;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Graceful shutdown: fall through to the final flush.
        }
        _queue.Writer.TryComplete();
        await FlushAsync(CancellationToken.None);
        if (_options.CheckpointInterval > TimeSpan.Zero)
        {
            await CheckpointAsync(CancellationToken.None);
        }
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            await checkpointLog.AppendAsync(await store.CheckpointAsync(keys, time, cancellationToken), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogCheckpointFailed(logger, exception);
        }
    }

    private async Task AppendWithRetryAsync(List<AuditEvent> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException && attempt < 10)
            {
                LogAppendFailed(logger, exception, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), time, cancellationToken.IsCancellationRequested ? CancellationToken.None : cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Stopping the host for a store that stays down would stop the service as well; instead the loss is
                // loud (an alert on event 9202) and the chain stays intact: lost records leave no gap in it.
                LogBatchLost(logger, exception, batch.Count);
                return;
            }
        }
    }

    [LoggerMessage(EventId = 9200, Level = LogLevel.Error, Message = "Writing {Count} audit records failed (attempt {Attempt}); retrying")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Critical, Message = "{Count} audit records could not be written and are lost")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 9201, Level = LogLevel.Error, Message = "Signing audit checkpoints failed")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
