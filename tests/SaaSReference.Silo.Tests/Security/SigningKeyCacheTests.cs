using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SaaSReference.Database.Keys;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Tests.Security;

/// <summary>When the silo re-reads the public signing keys: periodically, and at once (rate-limited) for an unknown kid.</summary>
[Collection(SecuredSiloCollection.Name)]
public sealed class SigningKeyCacheTests(SecuredSiloFactory factory)
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Cache_UnknownKid_ReloadsAtOnceButAtMostEveryRetryInterval()
    {
        await using var setup = await CacheSetup.StartAsync(factory);
        var (source, store, time, cache) = (setup.Source, setup.Store, setup.Time, setup.Cache);
        var first = setup.Key.KeyId;

        await cache.EnsureFreshAsync(first, CancellationToken.None);
        Assert.Single(cache.Resolve(first));
        Assert.Empty(cache.Resolve("made-up"));
        Assert.Empty(cache.Resolve(null));

        await cache.EnsureFreshAsync("made-up", CancellationToken.None);
        Assert.Empty(cache.Resolve("made-up"));
        var successor = await AddSuccessorAsync(store, first);

        time.Now += TimeSpan.FromSeconds(1);
        await cache.EnsureFreshAsync(successor, CancellationToken.None);
        Assert.Empty(cache.Resolve(successor));

        time.Now += SigningKeyCache.UnknownKeyRetryInterval;
        await cache.EnsureFreshAsync(successor, CancellationToken.None);
        Assert.Single(cache.Resolve(successor));
        Assert.Single(cache.Resolve(first));
    }

    [Fact]
    public async Task Cache_RetiredKey_DroppedAtNextPeriodicRefresh()
    {
        await using var setup = await CacheSetup.StartAsync(factory);
        var (source, store, time, cache) = (setup.Source, setup.Store, setup.Time, setup.Cache);
        var kid = setup.Key.KeyId;
        await cache.EnsureFreshAsync(kid, CancellationToken.None);

        await using (var retire = source.CreateCommand("UPDATE identity.credential_keys SET retired_at = now() WHERE kid = $1"))
        {
            retire.Parameters.Add(new() { Value = kid });
            await retire.ExecuteNonQueryAsync();
        }
        time.Now += SigningKeyCache.RefreshInterval - TimeSpan.FromSeconds(1);
        await cache.EnsureFreshAsync(kid, CancellationToken.None);
        Assert.Single(cache.Resolve(kid));

        time.Now += TimeSpan.FromSeconds(1);
        await cache.EnsureFreshAsync(kid, CancellationToken.None);
        Assert.Empty(cache.Resolve(kid));
    }

    [Fact]
    public async Task Cache_KeyPastItsExpiry_NotResolvedEvenBeforeRefresh()
    {
        await using var setup = await CacheSetup.StartAsync(factory);
        var (source, store, time, cache) = (setup.Source, setup.Store, setup.Time, setup.Cache);
        var key = setup.Key;
        await cache.EnsureFreshAsync(key.KeyId, CancellationToken.None);

        time.Now = key.ExpiresAt;

        Assert.Empty(cache.Resolve(key.KeyId));
    }

    [Fact]
    public async Task Cache_DatabaseUnreachable_KeepsKnownKeys()
    {
        await using var setup = await CacheSetup.StartAsync(factory);
        var (source, store, time, cache) = (setup.Source, setup.Store, setup.Time, setup.Cache);
        var kid = setup.Key.KeyId;
        await cache.EnsureFreshAsync(kid, CancellationToken.None);

        await using (var hide = source.CreateCommand("ALTER TABLE identity.credential_keys RENAME TO credential_keys_hidden"))
        {
            await hide.ExecuteNonQueryAsync();
        }
        time.Now += SigningKeyCache.RefreshInterval;
        await cache.EnsureFreshAsync(kid, CancellationToken.None);

        Assert.Single(cache.Resolve(kid));
    }

    private static async Task<string> AddSuccessorAsync(SigningKeyStore store, string current)
    {
        var nearExpiry = new FixedTime(DateTimeOffset.UtcNow + SigningKeyStore.KeyLifetime - TimeSpan.FromDays(1));
        await store.EnsureActiveKeysAsync(SigningKeyStore.CreateProtector(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider()),
            nearExpiry, CancellationToken.None);
        return (await store.LoadPublicSigningKeysAsync(CancellationToken.None)).Single(key => key.KeyId != current).KeyId;
    }

    /// <summary>A fresh key database with one signing key, its store, a manual clock and a cache over them.</summary>
    private sealed class CacheSetup : IAsyncDisposable
    {
        private CacheSetup(NpgsqlDataSource source, PublicSigningKey key)
        {
            Source = source;
            Store = new SigningKeyStore(source);
            Cache = new SigningKeyCache(Store, Time, NullLogger<SigningKeyCache>.Instance);
            Key = key;
        }

        public NpgsqlDataSource Source { get; }
        public SigningKeyStore Store { get; }
        public ManualTime Time { get; } = new();
        public SigningKeyCache Cache { get; }
        public PublicSigningKey Key { get; }

        public static async Task<CacheSetup> StartAsync(SecuredSiloFactory factory)
        {
            var source = NpgsqlDataSource.Create(await factory.CreateKeyDatabaseAsync());
            var key = (await new SigningKeyStore(source).LoadPublicSigningKeysAsync(CancellationToken.None))[0];
            return new CacheSetup(source, key);
        }

        public async ValueTask DisposeAsync()
        {
            Cache.Dispose();
            await Source.DisposeAsync();
        }
    }
}
