using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Keys;
using SaaSReference.Database.Tests.Infrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Database.Tests.Keys;

/// <summary>Two identity instances share one data-protection key ring through PostgreSQL (9.1.1a, 17.2.1a).</summary>
public sealed class PostgresDataProtectionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Purpose = "test-payloads";

    [Fact]
    public async Task DataProtection_TwoInstancesSameDatabaseAndName_UnprotectEachOthersPayloads()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var first = Instance(cs, "saasreference-identity");
        await using var second = Instance(cs, "saasreference-identity");
        var a = first.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        var b = second.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

        var fromFirst = a.Protect("written by the first instance");
        Assert.Equal("written by the first instance", b.Unprotect(fromFirst));
        var fromSecond = b.Protect("written by the second instance");
        Assert.Equal("written by the second instance", a.Unprotect(fromSecond));

        // The second instance found the first one's key instead of making its own.
        Assert.Equal(1L, await Sql.ScalarAsync<long>(cs, "SELECT count(*) FROM identity.data_protection_keys"));
    }

    [Fact]
    public async Task DataProtection_OtherApplicationName_CannotUnprotect()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var identity = Instance(cs, "saasreference-identity");
        await using var other = Instance(cs, "some-other-app");

        var payload = identity.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("secret");

        Assert.ThrowsAny<CryptographicException>(() => other.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(payload));
    }

    [Fact]
    public async Task CredentialKeys_ProtectedByOneInstance_LoadInTheOther()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var first = Instance(cs, "saasreference-identity");
        await using var second = Instance(cs, "saasreference-identity");
        await using var source = Npgsql.NpgsqlDataSource.Create(cs);
        var store = new SigningKeyStore(source);

        await store.EnsureActiveKeysAsync(SigningKeyStore.CreateProtector(first.GetRequiredService<IDataProtectionProvider>()), TimeProvider.System, CancellationToken.None);
        var loaded = await store.LoadPrivateAsync(CredentialKeyUse.Signing,
            SigningKeyStore.CreateProtector(second.GetRequiredService<IDataProtectionProvider>()), CancellationToken.None);

        Assert.Single(loaded);
    }

    [Fact]
    public async Task EnsureActiveKeys_TwoInstancesStartTogether_ShareOneKeyRingKey()
    {
        var cs = await postgres.MigratedDatabaseAsync();
        await using var first = Instance(cs, "saasreference-identity");
        await using var second = Instance(cs, "saasreference-identity");
        await using var source = Npgsql.NpgsqlDataSource.Create(cs);

        await Task.WhenAll(new[] { first, second }.Select(instance => Task.Run(() => new SigningKeyStore(source).EnsureActiveKeysAsync(
            SigningKeyStore.CreateProtector(instance.GetRequiredService<IDataProtectionProvider>()), TimeProvider.System, CancellationToken.None))));

        Assert.Equal(1L, await Sql.ScalarAsync<long>(cs, "SELECT count(*) FROM identity.data_protection_keys"));
        var payload = first.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("x");
        Assert.Equal("x", second.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Unprotect(payload));
    }

    private static ServiceProvider Instance(string connectionString, string applicationName)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPlatformDataProtection(connectionString, applicationName);
        return services.BuildServiceProvider();
    }
}
