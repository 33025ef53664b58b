using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using SaaSReference.Database.Keys;
using SaaSReference.Database.Tests.Infrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Keys;

/// <summary>Keys roll over before they expire, and expired or retired keys are neither used nor trusted.</summary>
public sealed class SigningKeyRolloverTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private readonly IDataProtector _protector = SigningKeyStore.CreateProtector(new EphemeralDataProtectionProvider());

    [Fact]
    public async Task EnsureActiveKeys_NearExpiry_CreatesSuccessorAndKeepsBothLive()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);
        var first = Assert.Single(await store.LoadPublicSigningKeysAsync(CancellationToken.None));

        var nearExpiry = new FixedTimeProvider(DateTimeOffset.UtcNow + SigningKeyStore.KeyLifetime - SigningKeyStore.RolloverLead + TimeSpan.FromDays(1));
        await store.EnsureActiveKeysAsync(_protector, nearExpiry, CancellationToken.None);
        await store.EnsureActiveKeysAsync(_protector, nearExpiry, CancellationToken.None);

        var published = await store.LoadPublicSigningKeysAsync(CancellationToken.None);
        Assert.Equal(2, published.Count);
        Assert.Equal(first.KeyId, published[1].KeyId);
        var signing = await store.LoadPrivateAsync(CredentialKeyUse.Signing, _protector, CancellationToken.None);
        Assert.Equal(published.Select(key => key.KeyId), signing.Select(key => key.KeyId));
        Assert.Equal(2, (await store.LoadPrivateAsync(CredentialKeyUse.Encryption, _protector, CancellationToken.None)).Count);
        Assert.Equal(4, (await KeyStoreTestSupport.RowsAsync(cs)).Count);
    }

    [Theory]
    [InlineData("UPDATE identity.credential_keys SET retired_at = now()")]
    [InlineData("UPDATE identity.credential_keys SET activates_at = now() - interval '91 days', expires_at = now() - interval '1 second'")]
    public async Task Load_RetiredOrExpiredKeys_AreNotReturnedAndEnsureReplacesThem(string sql)
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);
        var old = (await KeyStoreTestSupport.RowsAsync(cs)).Select(row => row.Kid).ToHashSet();
        await Sql.ExecuteAsync(cs, sql);

        Assert.Empty(await store.LoadPublicSigningKeysAsync(CancellationToken.None));
        Assert.Empty(await store.LoadPrivateAsync(CredentialKeyUse.Signing, _protector, CancellationToken.None));
        Assert.Empty(await store.LoadPrivateAsync(CredentialKeyUse.Encryption, _protector, CancellationToken.None));

        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);
        var fresh = Assert.Single(await store.LoadPublicSigningKeysAsync(CancellationToken.None));
        Assert.DoesNotContain(fresh.KeyId, old);
        Assert.DoesNotContain(Assert.Single(await store.LoadPrivateAsync(CredentialKeyUse.Encryption, _protector, CancellationToken.None)).KeyId, old);
    }
}
