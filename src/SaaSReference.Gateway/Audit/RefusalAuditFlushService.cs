using System.Globalization;
using SaaSReference.Database.Audit;
using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Audit;

/// <summary>
/// 12.4.3a: hands the gateway's refusal counts to the audit trail, one record per aggregate, after each window of
/// <see cref="RefusalAggregator"/> ended (checked every second, or every window when shorter). This is the only place
/// that waits for the audit writer, whose queue pushes back when full: the request path never does. Registered after
/// the writer, so it stops first; a graceful stop hands over everything counted, the current window included.
/// </summary>
public sealed partial class RefusalAuditFlushService(
    RefusalAggregator aggregator, IAuditTrail trail, TimeProvider time, ILogger<RefusalAuditFlushService> logger) : BackgroundService
{
    public const string Outcome = "refused";

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What the current window counted so far; bounded by the host's shutdown timeout.
        try
        {
            await FlushAsync(all: true, cancellationToken);
        }
        catch (Exception exception) when (exception is ObjectDisposedException or InvalidOperationException or Npgsql.NpgsqlException)
        {
            // The writer (or its database) was gone before this service stopped: the last counts are lost, as a crash would
            // lose them (docs/audit.md), and loudly; a stop must not fail for it.
            LogLostAtStop(logger, exception);
        }
    }

    /// <summary>Writes the ended windows' aggregates (all of them with <paramref name="all"/>); returns how many records.</summary>
    public async Task<int> FlushAsync(bool all, CancellationToken cancellationToken)
    {
        var aggregates = aggregator.Drain(time.GetUtcNow(), all);
        var written = 0;
        try
        {
            foreach (var aggregate in aggregates)
            {
                if (aggregate.Key.Overflow)
                {
                    LogOverflow(logger, aggregate.Count, aggregate.Key.Type.Name, aggregate.Key.Status, aggregate.Key.WindowStart);
                }
                await trail.EnqueueAsync(ToAudit(aggregate, aggregator.WindowLength), cancellationToken);
                written++;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping while the writer's queue was full: kept for the final flush rather than lost.
            aggregator.Restore(aggregates.Skip(written));
        }
        return written;
    }

    /// <summary>
    /// The record of one aggregate. It carries the caller (tenant, staff subject or client address), the status, the
    /// path template and the window, never a header, cookie, token, query string or body (12.4.1a).
    /// </summary>
    public static AuditEvent ToAudit(RefusalAggregate aggregate, TimeSpan window)
    {
        var key = aggregate.Key;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["status"] = key.Status.ToString(CultureInfo.InvariantCulture),
            ["path"] = key.Path,
            ["count"] = aggregate.Count.ToString(CultureInfo.InvariantCulture),
            ["windowStart"] = key.WindowStart.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["windowSeconds"] = ((long)window.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        };
        string actor;
        if (key.Overflow)
        {
            // Callers and paths beyond the window's cap, counted together.
            fields["overflow"] = "true";
            actor = "gateway:overflow";
        }
        else
        {
            fields["callerKind"] = key.CallerKind.ToString().ToLowerInvariant();
            fields["source"] = key.Source;
            if (key.PathTenant is { } pathTenant)
            {
                fields["pathTenant"] = pathTenant;
            }
            actor = key.CallerKind switch
            {
                CallerKind.Tenant => "tenant:" + key.CallerId,
                CallerKind.Staff => key.CallerId,
                _ => "client:" + key.CallerId,
            };
            if (key.CallerKind == CallerKind.Anonymous)
            {
                fields["client"] = key.CallerId;
            }
        }
        return new AuditEvent(key.Type, actor, key.TenantId, key.Path, Outcome, fields);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var window = aggregator.WindowLength;
        using var timer = new PeriodicTimer(window < TimeSpan.FromSeconds(1) ? window : TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(all: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync flushes what is left.
        }
    }

    [LoggerMessage(EventId = 9306, Level = LogLevel.Error, Message = "The gateway's last refusal counts could not be handed to the audit writer at stop; they are lost")]
    private static partial void LogLostAtStop(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9300, Level = LogLevel.Warning,
        Message = "{Count} gateway refusals of {Type} (status {Status}) in the window from {WindowStart:o} exceeded Gateway:Audit:MaxKeysPerWindow and were recorded as one overflow aggregate")]
    private static partial void LogOverflow(ILogger logger, long count, string type, int status, DateTimeOffset windowStart);
}
