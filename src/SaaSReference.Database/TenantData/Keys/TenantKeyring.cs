using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SaaSReference.Database.TenantData.Keys;

/// <summary>
/// The data paths' view of the tenants' data keys (10.1.2b): metadata from <c>platform.tenant_keys</c>, key material
/// unwrapped by the <see cref="ITenantKeyProvider"/>, both cached in this process for at most
/// <see cref="TenantKeyOptions.CacheLifetime"/>. A revocation or destruction reaches every silo at once: each LISTENs to
/// <see cref="Channel"/>, which every change of a tenant's key metadata notifies, and drops that tenant's cache entry. While
/// the listening connection is down nothing is cached at all, so a notification missed then cannot keep a revoked key usable.
/// </summary>
public sealed partial class TenantKeyring(
    TenantKeyStore store,
    ITenantKeyProvider provider,
    NpgsqlDataSource platform,
    IOptions<TenantKeyOptions> options,
    TimeProvider time,
    ILogger<TenantKeyring> logger) : BackgroundService, ITenantKeyring
{
    public const string Channel = "saasref_tenant_keys";
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _lifetime = options.Value.EffectiveCacheLifetime;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _listeningStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _epoch;
    private volatile bool _listening;

    /// <summary>Completes once this keyring LISTENs for key changes (and so caches).</summary>
    public Task Listening => _listeningStarted.Task;

    /// <summary>Whether the keyring currently listens for key changes; while it does not, nothing is cached.</summary>
    public bool IsListening => _listening;

    public async ValueTask<TenantDataKey> GetCurrentAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var entry = await EntryAsync(tenantId, cancellationToken);
        if (entry.Status.Unavailable is not null)
        {
            throw entry.Status.ToException();
        }
        return await KeyAsync(entry, entry.Status.Current!.Version, cancellationToken);
    }

    public async ValueTask<TenantDataKey> GetAsync(string tenantId, int version, CancellationToken cancellationToken = default)
    {
        var entry = await EntryAsync(tenantId, cancellationToken);
        var status = entry.Status;
        if (status.Destroyed || status.Revoked)
        {
            throw status.ToException();
        }
        var found = status.Versions.FirstOrDefault(v => v.Version == version);
        if (found is null)
        {
            throw TenantKeyStore.Unavailable(tenantId, TenantKeyUnavailableReason.Missing,
                $"Tenant '{tenantId}' has no version {version} of its data key.");
        }
        if (found.State == TenantKeyVersionState.Destroyed)
        {
            throw TenantKeyStore.Unavailable(tenantId, TenantKeyUnavailableReason.Destroyed);
        }
        return await KeyAsync(entry, version, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<TenantDataKey>> GetReadableAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var entry = await EntryAsync(tenantId, cancellationToken);
        if (entry.Status.Unavailable is not null)
        {
            throw entry.Status.ToException();
        }
        var keys = new List<TenantDataKey>();
        foreach (var version in entry.Status.Readable)
        {
            keys.Add(await KeyAsync(entry, version.Version, cancellationToken));
        }
        return keys;
    }

    /// <summary>The tenant's key metadata as this keyring sees it (cached like the keys).</summary>
    public async ValueTask<TenantKeyStatus> GetStatusAsync(string tenantId, CancellationToken cancellationToken = default) =>
        (await EntryAsync(tenantId, cancellationToken)).Status;

    /// <summary>Forgets what is cached of the tenant's keys; the next use reads the metadata and unwraps again.</summary>
    public void Invalidate(string tenantId)
    {
        _generations.AddOrUpdate(tenantId, 1, (_, generation) => generation + 1);
        _entries.TryRemove(tenantId, out _);
    }

    /// <summary>Forgets every cached key.</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _epoch);
        _entries.Clear();
    }

    private async ValueTask<Entry> EntryAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (_listening && _entries.TryGetValue(tenantId, out var cached) && IsFresh(tenantId, cached))
        {
            return cached;
        }
        // Taken before reading: a change notified while the read runs makes this entry stale at once.
        var generation = _generations.GetValueOrDefault(tenantId);
        var epoch = Interlocked.Read(ref _epoch);
        var status = await store.GetAsync(tenantId, cancellationToken)
            ?? new TenantKeyStatus(tenantId, false, null, null, null, null, null, null, null, 0, []);
        var entry = new Entry(status, generation, epoch, time.GetTimestamp());
        if (_listening && _lifetime > TimeSpan.Zero)
        {
            _entries[tenantId] = entry;
        }
        return entry;
    }

    private bool IsFresh(string tenantId, Entry entry) =>
        time.GetElapsedTime(entry.LoadedAt) < _lifetime
        && entry.Generation == _generations.GetValueOrDefault(tenantId)
        && entry.Epoch == Interlocked.Read(ref _epoch);

    private async ValueTask<TenantDataKey> KeyAsync(Entry entry, int version, CancellationToken cancellationToken)
    {
        if (entry.Keys.TryGetValue(version, out var key))
        {
            return key;
        }
        key = await provider.UnwrapAsync(entry.Status.TenantId, version, cancellationToken);
        entry.Keys.TryAdd(version, key);
        return key;
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
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                LogListenFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var connection = await platform.OpenConnectionAsync(stoppingToken);
            connection.Notification += (_, e) => Invalidate(e.Payload);
            await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
            {
                await listen.ExecuteNonQueryAsync(stoppingToken);
            }
            // Listening before caching: whatever was read before may have missed a change.
            InvalidateAll();
            _listening = true;
            _listeningStarted.TrySetResult();
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await connection.WaitAsync(SweepInterval, stoppingToken))
                {
                    // Quiet for a while: prove the connection still carries notifications, and drop expired entries.
                    await using var probe = new NpgsqlCommand("SELECT 1", connection);
                    await probe.ExecuteScalarAsync(stoppingToken);
                    Sweep();
                }
            }
        }
        finally
        {
            _listening = false;
            InvalidateAll();
        }
    }

    private void Sweep()
    {
        foreach (var (tenantId, entry) in _entries)
        {
            if (!IsFresh(tenantId, entry))
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(tenantId, entry));
            }
        }
    }

    private sealed class Entry(TenantKeyStatus status, long generation, long epoch, long loadedAt)
    {
        public TenantKeyStatus Status { get; } = status;
        public long Generation { get; } = generation;
        public long Epoch { get; } = epoch;
        public long LoadedAt { get; } = loadedAt;
        public ConcurrentDictionary<int, TenantDataKey> Keys { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Listening for tenant key changes failed; retrying in 1 s (until then no tenant key is cached).")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
