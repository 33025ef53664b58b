using System.Diagnostics;
using SaaSReference.Load.Cli;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// Reads a tenant's status as operator once a second while a phase runs and keeps when each status was first seen
/// (12.1.3c: the abuse policy throttles a tenant over its limits for 3 windows of 10 s in a row, then freezes it if it
/// goes on). Outside the measured steps; a read that fails is skipped, not counted as a status.
/// </summary>
internal sealed class TenantStatusWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Status, TimeSpan At)> _seen = [];

    private TenantStatusWatch(HttpClient http, string operatorKey, string tenant, TimeSpan interval) =>
        _loop = RunAsync(http, operatorKey, tenant, interval, _stop.Token);

    public static TenantStatusWatch Start(HttpClient http, string operatorKey, string tenant, TimeSpan? interval = null) =>
        new(http, operatorKey, tenant, interval ?? TimeSpan.FromSeconds(1));

    /// <summary>Each status in the order it was first seen, with the time since the watch started.</summary>
    public IReadOnlyList<(string Status, TimeSpan At)> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public TimeSpan? FirstSeen(string status) => Seen.Where(s => s.Status == status).Select(s => (TimeSpan?)s.At).FirstOrDefault();

    private async Task RunAsync(HttpClient http, string operatorKey, string tenant, TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            string? status;
            try
            {
                status = await PlatformApi.TenantStatusAsync(http, operatorKey, tenant, token);
            }
            catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException && !token.IsCancellationRequested)
            {
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (status is not null)
            {
                lock (_seen)
                {
                    if (_seen.All(s => s.Status != status))
                    {
                        _seen.Add((status, _clock.Elapsed));
                    }
                }
            }
        }
        while (await WaitAsync(timer, token));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
