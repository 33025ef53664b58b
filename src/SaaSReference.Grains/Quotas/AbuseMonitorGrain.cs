using Microsoft.Extensions.Logging;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Grains.Quotas;

/// <summary>
/// Applies the abuse policy once a second. A window is judged when it closed at least <see cref="FlushGrace"/>
/// ago (gateways flush their counts every second), then deleted; the tenant grain ignores a window it has already
/// judged, so a window seen twice after a failover counts once. A reminder brings the monitor back after the silo
/// holding it dies.
/// </summary>
public sealed partial class AbuseMonitorGrain(
    LimitRejectionStore rejections,
    PlatformLimitsWatcher platform,
    TimeProvider time,
    ILogger<AbuseMonitorGrain> logger) : Grain, IAbuseMonitorGrain, IRemindable
{
    public static readonly TimeSpan FlushGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _timer = this.RegisterGrainTimer(static (grain, _) => grain.TickAsync(), this,
            new GrainTimerCreationOptions { DueTime = Period, Period = Period, KeepAlive = true, Interleave = false });
        return Task.CompletedTask;
    }

    public async Task StartAsync() =>
        await this.RegisterOrUpdateReminder("keep-alive", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task<int> JudgeClosedWindowsAsync()
    {
        var settings = platform.Configuration.Settings;
        var window = settings.Abuse.Window;
        var openFrom = LimitRejectionStore.WindowStart(time.GetUtcNow() - FlushGrace, window);
        var judged = 0;
        foreach (var closed in await rejections.ClosedAsync(openFrom, 1000))
        {
            await GrainFactory.GetGrain<ITenantGrain>(closed.TenantId).RecordRejectionsAsync(closed.WindowStart, closed.Rejected);
            await rejections.DeleteAsync(closed.TenantId, closed.WindowStart);
            judged++;
        }
        // A throttled tenant that stopped exceeding gets no more rows: its quiet windows are judged too, so its
        // cool-down can end.
        var lastClosed = openFrom - window;
        foreach (var standing in platform.All.Where(s => s is { Status: TenantStatus.Throttled, Reason: StatusReason.Abuse }))
        {
            await GrainFactory.GetGrain<ITenantGrain>(standing.TenantId).RecordRejectionsAsync(lastClosed, 0);
        }
        return judged;
    }

    private async Task TickAsync()
    {
        try
        {
            await JudgeClosedWindowsAsync();
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or OrleansException)
        {
            LogTickFailed(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The abuse monitor could not judge the closed windows; it tries again in a second.")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
