using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.Tests.TenantData.Keys;

/// <summary>
/// 10.1.2b, 8.1.5d: the local key provider wraps each tenant's data key under the platform KEK with the tenant and version
/// bound in, refuses to unwrap while revoked, and after destruction nothing can unwrap again; its files are private and
/// several processes may share its directory.
/// </summary>
public sealed class LocalFileKeyProviderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "saasref-keys-test-" + Guid.NewGuid().ToString("N"));

    private LocalFileKeyProvider NewProvider() => new(Options.Create(new LocalFileKeyProviderOptions { Directory = _directory }));

    private string TenantDirectory(string tenantId) => Path.Combine(_directory, "tenants", tenantId);

    [Fact]
    public async Task Create_ThenUnwrap_GivesTheSameKeyInThisAndAnotherProcess_AndCreateAgainAdoptsIt()
    {
        var provider = NewProvider();
        var created = await provider.CreateAsync("acme", 1);

        var unwrapped = await provider.UnwrapAsync("acme", 1);
        var elsewhere = await NewProvider().UnwrapAsync("acme", 1);
        var again = await NewProvider().CreateAsync("acme", 1);

        Assert.Equal((1, "acme", TenantDataKey.SizeBytes), (created.Version, created.TenantId, created.Material.Length));
        Assert.Equal(created.Material.ToArray(), unwrapped.Material.ToArray());
        Assert.Equal(created.Material.ToArray(), elsewhere.Material.ToArray());
        Assert.Equal(created.Material.ToArray(), again.Material.ToArray());
        var second = await provider.CreateAsync("acme", 2);
        Assert.NotEqual(created.Material.ToArray(), second.Material.ToArray());
        Assert.Equal([1, 2], provider.StoredVersions("acme"));
    }

    [Fact]
    public async Task Files_HoldNoKeyInClear()
    {
        var provider = NewProvider();
        var key = await provider.CreateAsync("acme", 1);

        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(key.Material.Span) < 0, $"{file} holds the data key in clear");
        }
        Assert.DoesNotContain(Convert.ToHexString(key.Material.Span), key.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unwrap_TamperedOrMovedToAnotherTenantOrVersion_Fails()
    {
        var provider = NewProvider();
        await provider.CreateAsync("acme", 1);
        await provider.CreateAsync("globex", 1);
        var wrapped = Path.Combine(TenantDirectory("acme"), "v1.wrapped");
        var original = await File.ReadAllBytesAsync(wrapped);

        // Another tenant's wrapped key put in place of this one's: the tenant is bound in as associated data.
        File.Copy(Path.Combine(TenantDirectory("globex"), "v1.wrapped"), wrapped, overwrite: true);
        await Assert.ThrowsAsync<CryptographicException>(() => provider.UnwrapAsync("acme", 1));

        // The right tenant's key under another version.
        await File.WriteAllBytesAsync(wrapped, original);
        File.Copy(wrapped, Path.Combine(TenantDirectory("acme"), "v2.wrapped"));
        await Assert.ThrowsAsync<CryptographicException>(() => provider.UnwrapAsync("acme", 2));

        // One bit of the wrapped key flipped.
        var tampered = (byte[])original.Clone();
        tampered[^1] ^= 0x01;
        await File.WriteAllBytesAsync(wrapped, tampered);
        await Assert.ThrowsAsync<CryptographicException>(() => provider.UnwrapAsync("acme", 1));

        await File.WriteAllBytesAsync(wrapped, original);
        Assert.Equal(1, (await provider.UnwrapAsync("acme", 1)).Version);
    }

    [Fact]
    public async Task Unwrap_AnotherKek_Fails()
    {
        await NewProvider().CreateAsync("acme", 1);
        await File.WriteAllBytesAsync(Path.Combine(_directory, LocalFileKeyProvider.KekFileName), RandomNumberGenerator.GetBytes(32));

        await Assert.ThrowsAsync<CryptographicException>(() => NewProvider().UnwrapAsync("acme", 1));
    }

    [Fact]
    public async Task Disable_RefusesUnwrapAndCreate_UntilEnabled()
    {
        var provider = NewProvider();
        var key = await provider.CreateAsync("acme", 1);

        await provider.DisableAsync("acme");
        await provider.DisableAsync("acme");

        var revoked = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => NewProvider().UnwrapAsync("acme", 1));
        Assert.Equal((TenantKeyUnavailableReason.Revoked, "acme"), (revoked.Reason, revoked.TenantId));
        Assert.Equal(TenantKeyUnavailableReason.Revoked, (await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.CreateAsync("acme", 2))).Reason);
        Assert.True(provider.IsDisabled("acme"));
        // Another tenant is not affected.
        Assert.Equal(1, (await provider.CreateAsync("globex", 1)).Version);

        await provider.EnableAsync("acme");
        Assert.Equal(key.Material.ToArray(), (await provider.UnwrapAsync("acme", 1)).Material.ToArray());
    }

    [Fact]
    public async Task DestroyAll_NothingUnwrapsEverAgain_NoWrappedBytesRemain_Idempotent()
    {
        var provider = NewProvider();
        await provider.CreateAsync("acme", 1);
        await provider.CreateAsync("acme", 2);
        var wrappedBefore = Directory.EnumerateFiles(TenantDirectory("acme"), "*.wrapped").Select(File.ReadAllBytes).ToList();
        var other = await provider.CreateAsync("globex", 1);

        await provider.DestroyAllAsync("acme");
        await provider.DestroyAllAsync("acme");

        foreach (var version in new[] { 1, 2 })
        {
            var destroyed = await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => NewProvider().UnwrapAsync("acme", version));
            Assert.Equal(TenantKeyUnavailableReason.Destroyed, destroyed.Reason);
        }
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, (await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.CreateAsync("acme", 3))).Reason);
        Assert.Equal(TenantKeyUnavailableReason.Destroyed, (await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.EnableAsync("acme"))).Reason);
        Assert.Empty(provider.StoredVersions("acme"));
        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.All(wrappedBefore, wrapped => Assert.True(bytes.AsSpan().IndexOf(wrapped) < 0, $"{file} still holds a destroyed wrapped key"));
        }
        Assert.Equal(other.Material.ToArray(), (await provider.UnwrapAsync("globex", 1)).Material.ToArray());
    }

    [Fact]
    public async Task Kek_Is256BitsReadableByItsOwnerOnly_AndAnOpenKekIsRefused()
    {
        await NewProvider().CreateAsync("acme", 1);
        var kek = Path.Combine(_directory, LocalFileKeyProvider.KekFileName);

        Assert.Equal(32, new FileInfo(kek).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kek));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
            Assert.All(Directory.EnumerateFiles(TenantDirectory("acme")),
                file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));

            File.SetUnixFileMode(kek, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => NewProvider().UnwrapAsync("acme", 1));
            Assert.Contains("0600", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Create_ManyProcessesAtOnce_OneKekAndOneKeyForAll()
    {
        // Independent provider instances stand for silo processes sharing the directory: none shares the other's KEK in memory.
        var providers = Enumerable.Range(0, 8).Select(_ => NewProvider()).ToList();

        var keys = await Task.WhenAll(providers.Select(provider => Task.Run(() => provider.CreateAsync("acme", 1))));

        Assert.Single(keys.Select(key => Convert.ToHexString(key.Material.Span)).Distinct());
        Assert.Equal([LocalFileKeyProvider.KekFileName], Directory.EnumerateFiles(_directory).Select(Path.GetFileName));
        Assert.Equal(["v1.wrapped"], Directory.EnumerateFiles(TenantDirectory("acme")).Select(Path.GetFileName));
        Assert.Equal(keys[0].Material.ToArray(), (await NewProvider().UnwrapAsync("acme", 1)).Material.ToArray());
    }

    [Fact]
    public async Task UnknownVersion_IsMissing_AndAMalformedTenantIdIsRefused()
    {
        var provider = NewProvider();
        await provider.CreateAsync("acme", 1);

        Assert.Equal(TenantKeyUnavailableReason.Missing, (await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.UnwrapAsync("acme", 7))).Reason);
        Assert.Equal(TenantKeyUnavailableReason.Missing, (await Assert.ThrowsAsync<TenantKeyUnavailableException>(() => provider.UnwrapAsync("nobody", 1))).Reason);
        await Assert.ThrowsAsync<ArgumentException>(() => provider.UnwrapAsync("../acme", 1));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
