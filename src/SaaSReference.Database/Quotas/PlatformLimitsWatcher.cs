using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using SaaSReference.Contracts.Quotas;

namespace SaaSReference.Database.Quotas;

/// <summary>
/// Every instance's view of the tenants' standings and of the current platform configuration, kept in memory so
/// that admitting a request costs no database round trip. It LISTENs to the notifications that
/// <c>platform.tenant_limits</c> and <c>platform.configuration_versions</c> raise on each change, so a freeze or
/// a plan change reaches every gateway and silo within milliseconds of being stored (12.1.3c, 12.2.1b); a full
/// reload every <see cref="FullReloadInterval"/> repairs anything missed while the connection was down.
/// </summary>
public sealed partial class PlatformLimitsWatcher(
    NpgsqlDataSource dataSource,
    TenantLimitsStore tenants,
    PlatformConfigurationStore configuration,
    TimeProvider time,
    ILogger<PlatformLimitsWatcher> logger) : BackgroundService
{
    public const string TenantChannel = "saasref_tenant_limits";
    public const string ConfigurationChannel = "saasref_configuration";
    public static readonly TimeSpan FullReloadInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, TenantStanding> _standings = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile PlatformConfigurationVersion? _configuration;

    /// <summary>Raised after a tenant's standing changed here (any thread).</summary>
    public event Action<TenantStanding>? TenantChanged;

    /// <summary>Completes when the first full load is done.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>The current configuration; the shipped defaults until the first load.</summary>
    public PlatformConfigurationVersion Configuration =>
        _configuration ?? new PlatformConfigurationVersion(0, PlatformSettings.Defaults, DateTimeOffset.MinValue, "platform", null, "Shipped defaults");

    /// <summary>The standing of <paramref name="tenantId"/>, or null when the platform knows no such tenant.</summary>
    public TenantStanding? Find(string tenantId) => _standings.GetValueOrDefault(tenantId);

    /// <summary>Every known standing (a snapshot).</summary>
    public IReadOnlyCollection<TenantStanding> All => [.. _standings.Values];

    /// <summary>Takes a standing this instance has just written, without waiting for its notification.</summary>
    public void Observe(TenantStanding standing)
    {
        ArgumentNullException.ThrowIfNull(standing);
        var changed = false;
        _standings.AddOrUpdate(standing.TenantId, _ => { changed = true; return standing; }, (_, existing) =>
        {
            if (existing.Revision >= standing.Revision)
            {
                return existing;
            }
            changed = true;
            return standing;
        });
        if (changed)
        {
            TenantChanged?.Invoke(standing);
        }
    }

    /// <summary>Reads everything again now.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        _configuration = await configuration.GetOrCreateCurrentAsync(PlatformSettings.Defaults, time, cancellationToken);
        var all = await tenants.ListAsync(cancellationToken);
        foreach (var standing in all)
        {
            Observe(standing);
        }
        _loaded.TrySetResult();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogListenFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var pending = new ConcurrentQueue<(string Channel, string Payload)>();
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += (_, e) => pending.Enqueue((e.Channel, e.Payload));
        await using (var listen = new NpgsqlCommand($"LISTEN {TenantChannel}; LISTEN {ConfigurationChannel};", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }
        // Listening before loading: a change made during the load is either in the load or in a notification.
        await ReloadAsync(stoppingToken);
        var lastFull = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            await connection.WaitAsync(FullReloadInterval, stoppingToken);
            var reloadAll = false;
            var changedTenants = new HashSet<string>(StringComparer.Ordinal);
            while (pending.TryDequeue(out var notification))
            {
                if (notification.Channel == TenantChannel)
                {
                    changedTenants.Add(notification.Payload);
                }
                else
                {
                    reloadAll = true;
                }
            }
            if (reloadAll || time.GetElapsedTime(lastFull) >= FullReloadInterval)
            {
                await ReloadAsync(stoppingToken);
                lastFull = time.GetTimestamp();
                continue;
            }
            foreach (var tenantId in changedTenants)
            {
                if (await tenants.GetAsync(tenantId, stoppingToken) is { } standing)
                {
                    Observe(standing);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for tenant limit changes failed; retrying in 1 s (the cached standings stay in force).")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
