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
        var cs = await factory.CreateKeyDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        var time = new ManualTime();
        using var cache = new SigningKeyCache(store, time, NullLogger<SigningKeyCache>.Instance);
        var first = (await store.LoadPublicSigningKeysAsync(CancellationToken.None))[0].KeyId;

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
        var cs = await factory.CreateKeyDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        var time = new ManualTime();
        using var cache = new SigningKeyCache(store, time, NullLogger<SigningKeyCache>.Instance);
        var kid = (await store.LoadPublicSigningKeysAsync(CancellationToken.None))[0].KeyId;
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
        var cs = await factory.CreateKeyDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        var time = new ManualTime();
        using var cache = new SigningKeyCache(store, time, NullLogger<SigningKeyCache>.Instance);
        var key = (await store.LoadPublicSigningKeysAsync(CancellationToken.None))[0];
        await cache.EnsureFreshAsync(key.KeyId, CancellationToken.None);

        time.Now = key.ExpiresAt;

        Assert.Empty(cache.Resolve(key.KeyId));
    }

    [Fact]
    public async Task Cache_DatabaseUnreachable_KeepsKnownKeys()
    {
        var cs = await factory.CreateKeyDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        var time = new ManualTime();
        using var cache = new SigningKeyCache(store, time, NullLogger<SigningKeyCache>.Instance);
        var kid = (await store.LoadPublicSigningKeysAsync(CancellationToken.None))[0].KeyId;
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
}
