using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Grains.Quotas;

/// <summary>
/// Sends this silo's counts to the tenant grains once a second and takes back their verdict on the day's budget.
/// A report that fails is kept and sent with the next one, so counts are lost only if the silo itself dies.
/// </summary>
public sealed partial class TenantUsageReporter(
    TenantUsageMeter meter,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    TimeProvider time,
    ILogger<TenantUsageReporter> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // ReportAsync keeps the counts of a failed report; nothing it meets may stop this loop (a background
                // service that throws stops the whole silo).
                await ReportAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Graceful stop: the last second's counts too.
        await ReportAsync();
    }

    /// <summary>Reports every tenant's counts now.</summary>
    public async Task ReportAsync()
    {
        var siloName = silo.SiloAddress.ToParsableString();
        var reports = meter.Drain();
        await Task.WhenAll(reports.Select(async r =>
        {
            try
            {
                var verdict = await grains.GetGrain<ITenantGrain>(r.TenantId)
                    .ReportUsageAsync(new UsageReport(siloName, r.Requests, r.Rejected, r.Running, time.GetUtcNow()));
                meter.Verdict(r.TenantId, verdict.DailyBudgetExhausted);
            }
            // Whatever the failure (the cluster or PostgreSQL unavailable, an answer that could not be serialized), the
            // counts go with the next report.
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                meter.Restore(r.TenantId, r.Requests, r.Rejected);
                LogReportFailed(logger, exception, r.TenantId);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Usage report for tenant {TenantId} failed; its counts go with the next one.")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string tenantId);
}
