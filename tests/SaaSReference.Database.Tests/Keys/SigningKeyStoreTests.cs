using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using SaaSReference.Database.Keys;
using SaaSReference.Database.Tests.Infrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Keys;

/// <summary>Creating, protecting and reading the identity service's shared credential keys (9.1.1a, 17.2.1a).</summary>
public sealed class SigningKeyStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private readonly IDataProtector _protector = SigningKeyStore.CreateProtector(new EphemeralDataProtectionProvider());

    [Fact]
    public async Task EnsureActiveKeys_FourInstancesRace_CreateOneKeyOfEachUse()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(cs)).ToList();
        try
        {
            await Task.WhenAll(sources.Select(source =>
                Task.Run(() => new SigningKeyStore(source).EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None))));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }

        var rows = await KeyStoreTestSupport.RowsAsync(cs);
        Assert.Equal(["enc", "sig"], rows.Select(row => row.Use).Order());
    }

    [Fact]
    public async Task EnsureActiveKeys_SecondCall_CreatesNothing()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);
        var before = await KeyStoreTestSupport.RowsAsync(cs);

        await store.EnsureActiveKeysAsync(_protector, new FixedTimeProvider(DateTimeOffset.UtcNow.AddDays(30)), CancellationToken.None);

        Assert.Equal(before, await KeyStoreTestSupport.RowsAsync(cs));
    }

    [Fact]
    public async Task LoadPrivate_AfterEnsure_RoundTripsAndMatchesPublicJwk()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);

        var signing = Assert.Single(await store.LoadPrivateAsync(CredentialKeyUse.Signing, _protector, CancellationToken.None));
        var encryption = Assert.Single(await store.LoadPrivateAsync(CredentialKeyUse.Encryption, _protector, CancellationToken.None));
        var published = Assert.Single(await store.LoadPublicSigningKeysAsync(CancellationToken.None));

        Assert.Equal(("RS256", "RSA-OAEP"), (signing.Algorithm, encryption.Algorithm));
        Assert.NotNull(signing.Parameters.D);
        Assert.Equal(signing.KeyId, published.KeyId);
        Assert.Null(published.Parameters.D);
        var data = Encoding.UTF8.GetBytes("header.payload");
        using var privateKey = RSA.Create(signing.Parameters);
        using var publicKey = RSA.Create(published.Parameters);
        Assert.Equal(2048, publicKey.KeySize);
        var signature = privateKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        using var encryptor = RSA.Create(encryption.Parameters);
        var secret = encryptor.Encrypt([1, 2, 3], RSAEncryptionPadding.OaepSHA1);
        Assert.Equal([1, 2, 3], encryptor.Decrypt(secret, RSAEncryptionPadding.OaepSHA1));
    }

    [Fact]
    public async Task StoredRow_HoldsNoPlainPrivateKey()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);
        var key = (await store.LoadPrivateAsync(CredentialKeyUse.Signing, _protector, CancellationToken.None))[0];

        var stored = await Sql.ScalarAsync<string>(cs, "SELECT private_key_protected FROM identity.credential_keys WHERE kid = @kid", ("kid", key.KeyId));
        var jwk = await Sql.ScalarAsync<string>(cs, "SELECT public_jwk::text FROM identity.credential_keys WHERE kid = @kid", ("kid", key.KeyId));

        using var rsa = RSA.Create(key.Parameters);
        Assert.DoesNotContain("PRIVATE KEY", stored, StringComparison.Ordinal);
        Assert.NotEqual(Convert.ToBase64String(rsa.ExportPkcs8PrivateKey()), stored);
        Assert.NotEqual(Convert.ToBase64String(rsa.ExportRSAPrivateKey()), stored);
        Assert.DoesNotContain(Convert.ToBase64String(key.Parameters.D!)[..40], stored, StringComparison.Ordinal);
        var members = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(jwk)!.Keys.Order();
        Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], members);

        // The payload is useless without the instances' data-protection key ring.
        var stranger = SigningKeyStore.CreateProtector(new EphemeralDataProtectionProvider());
        await Assert.ThrowsAnyAsync<CryptographicException>(() => store.LoadPrivateAsync(CredentialKeyUse.Signing, stranger, CancellationToken.None));
    }

    [Fact]
    public async Task LoadPrivate_RowRelabelledFromEncToSig_RefusesToUnprotect()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);
        await store.EnsureActiveKeysAsync(_protector, TimeProvider.System, CancellationToken.None);
        await Sql.ExecuteAsync(cs, "DELETE FROM identity.credential_keys WHERE use = 'sig'");
        await Sql.ExecuteAsync(cs, """UPDATE identity.credential_keys SET use = 'sig', public_jwk = '{"kty":"RSA"}' WHERE use = 'enc'""");

        await Assert.ThrowsAnyAsync<CryptographicException>(() => store.LoadPrivateAsync(CredentialKeyUse.Signing, _protector, CancellationToken.None));
    }
}
