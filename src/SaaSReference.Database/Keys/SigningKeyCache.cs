using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace SaaSReference.Database.Keys;

/// <summary>
/// The identity service's public signing keys, read straight from PostgreSQL (<see cref="SigningKeyStore"/>) so
/// that token validation depends on neither the identity service nor the gateway being up (13.2.2c, 17.2.1a).
/// Refreshed every <see cref="RefreshInterval"/> (a retired key stops being trusted within that time), and at
/// once, at most every <see cref="UnknownKeyRetryInterval"/>, when a token names a key not yet known (rollover).
/// Shared by the silo (authentication) and the gateway (whose tenant a request is charged to, 12.1.3b): one
/// cache, one set of rules (<see cref="AccessTokenParameters"/>).
/// </summary>
public sealed partial class SigningKeyCache(SigningKeyStore store, TimeProvider time, ILogger<SigningKeyCache> logger) : IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(60);

    /// <summary>Also the retry delay after a failed read: made-up key ids cannot turn into a query per request.</summary>
    public static readonly TimeSpan UnknownKeyRetryInterval = TimeSpan.FromSeconds(5);

    private sealed record Entry(SecurityKey Key, DateTimeOffset ExpiresAt);

    private sealed record Snapshot(FrozenDictionary<string, Entry> Keys, DateTimeOffset AttemptedAt, DateTimeOffset NextRefreshAt);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot _snapshot = new(FrozenDictionary<string, Entry>.Empty, DateTimeOffset.MinValue, DateTimeOffset.MinValue);

    /// <summary>Reads the keys again if they are due, or if <paramref name="keyId"/> is unknown and a retry is allowed.</summary>
    public async ValueTask EnsureFreshAsync(string? keyId, CancellationToken cancellationToken)
    {
        var current = _snapshot;
        if (!NeedsRefresh(current, keyId))
        {
            return;
        }
        if (!_gate.Wait(0))
        {
            // Someone is already reading; a known key need not wait for the result.
            if (keyId is not null && current.Keys.ContainsKey(keyId))
            {
                return;
            }
            await _gate.WaitAsync(cancellationToken);
        }
        try
        {
            if (NeedsRefresh(_snapshot, keyId))
            {
                await RefreshAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The live key named <paramref name="keyId"/>, or none: a token without a known <c>kid</c> fails.</summary>
    public IEnumerable<SecurityKey> Resolve(string? keyId) =>
        keyId is not null && _snapshot.Keys.TryGetValue(keyId, out var entry) && entry.ExpiresAt > time.GetUtcNow()
            ? [entry.Key]
            : [];

    public void Dispose() => _gate.Dispose();

    private bool NeedsRefresh(Snapshot snapshot, string? keyId)
    {
        var now = time.GetUtcNow();
        return now >= snapshot.NextRefreshAt
            || (keyId is not null && !snapshot.Keys.ContainsKey(keyId) && now - snapshot.AttemptedAt >= UnknownKeyRetryInterval);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var previous = _snapshot;
        try
        {
            var stored = await store.LoadPublicSigningKeysAsync(cancellationToken);
            var keys = stored.ToFrozenDictionary(key => key.KeyId, key => new Entry(
                // Keep the same key object for a known kid: IdentityModel caches its crypto providers per key.
                previous.Keys.TryGetValue(key.KeyId, out var known) ? known.Key : new RsaSecurityKey(key.Parameters) { KeyId = key.KeyId },
                key.ExpiresAt), StringComparer.Ordinal);
            _snapshot = new Snapshot(keys, now, now + RefreshInterval);
            LogRefreshed(keys.Count);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Keep trusting the keys already known (a database hiccup must not log everyone out); retry soon.
            _snapshot = previous with { AttemptedAt = now, NextRefreshAt = now + UnknownKeyRetryInterval };
            LogRefreshFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded {Count} public signing keys from PostgreSQL.")]
    private partial void LogRefreshed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the public signing keys; keeping the ones already loaded.")]
    private partial void LogRefreshFailed(Exception exception);
}
