using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Database.Tests.Infrastructure;

namespace SaaSReference.Database.Tests.TenantData.Keys;

/// <summary>
/// 10.1.2b: a tenant's data key is created once however many silos provision it, rotates to a new version while the old
/// ones stay readable, is revoked on every silo at once (PostgreSQL NOTIFY, not the cache lifetime) and reinstated; 8.1.5d:
/// destroying it is final and repeatable. Every act is audited; the platform database holds metadata, never key material.
/// </summary>
[Collection(TenantKeysCollection.Name)]
public sealed class TenantKeyManagerTests(TenantKeysFixture fixture)
{
    private static readonly TimeSpan LongCache = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task EnsureProvisioned_TwiceAndFromTwoSilosAtOnce_GivesOneVersionOne()
    {
        var tenant = TenantKeysFixture.NewTenantId("kprov");
        var a = fixture.CreateServices();
        var b = fixture.CreateServices();

        await Task.WhenAll(
            a.GetRequiredService<TenantKeyManager>().EnsureProvisionedAsync(tenant, "provisioner-a"),
            b.GetRequiredService<TenantKeyManager>().EnsureProvisionedAsync(tenant, "provisioner-b"));
        var again = await a.GetRequiredService<TenantKeyManager>().EnsureProvisionedAsync(tenant, "provisioner-c");

        var version = Assert.Single(again.Versions);
        Assert.Equal((1, TenantKeyVersionState.Active, LocalFileKeyProvider.ProviderName), (version.Version, version.State, version.Provider));
        Assert.Contains(version.CreatedBy, new[] { "provisioner-a", "provisioner-b" });
        var keyA = await a.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant);
        var keyB = await b.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant);
        Assert.Equal(keyA.Material.ToArray(), keyB.Material.ToArray());
    }

    [Fact]
    public async Task Rotate_NewVersionEncrypts_OldVersionRetiredButStillDecrypts_Audited()
    {
        var tenant = TenantKeysFixture.NewTenantId("krot");
        var services = fixture.CreateServices();
        var manager = services.GetRequiredService<TenantKeyManager>();
        var keyring = services.GetRequiredService<ITenantKeyring>();
        await manager.EnsureProvisionedAsync(tenant, "provisioner");
        var v1 = await keyring.GetCurrentAsync(tenant);
        var aad = TenantDataAad.Record(tenant, "notes", "n1");
        var oldCiphertext = TenantCipher.Encrypt(v1, "{\"a\":1}"u8, aad);

        var status = await manager.RotateAsync(tenant, "admin-rot");

        Assert.Equal(2, status.Current!.Version);
        var retired = status.Versions.Single(v => v.Version == 1);
        Assert.Equal(TenantKeyVersionState.Retired, retired.State);
        Assert.NotNull(retired.RetiredAt);
        var v2 = await keyring.GetCurrentAsync(tenant);
        Assert.Equal(2, v2.Version);
        Assert.NotEqual(v1.Material.ToArray(), v2.Material.ToArray());
        Assert.Equal([2, 1], (await keyring.GetReadableAsync(tenant)).Select(k => k.Version));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(await TenantCipher.DecryptAsync(keyring, tenant, oldCiphertext, aad)));
        Assert.Equal(2, TenantCipher.KeyVersionOf(TenantCipher.Encrypt(v2, "{}"u8, aad)));

        var rotated = Assert.Single(await fixture.AuditAsync(tenant, AuditEventTypes.TenantKeyRotated));
        Assert.Equal(("admin-rot", "success"), (rotated.Actor, rotated.Outcome));
        Assert.Contains("version 2", rotated.Fields["details"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_AnotherSiloRefusesAtOnceThroughNotify_ReinstateRestores_EachAuditedOnce()
    {
        var tenant = TenantKeysFixture.NewTenantId("krev");
        // Both silos would keep a key for five minutes: only the notification can make the other one refuse it sooner.
        var a = fixture.CreateServices(LongCache);
        var b = fixture.CreateServices(LongCache);
        var keyringA = a.GetRequiredService<TenantKeyring>();
        var keyringB = b.GetRequiredService<TenantKeyring>();
        await keyringA.StartAsync(CancellationToken.None);
        await keyringB.StartAsync(CancellationToken.None);
        await Task.WhenAll(keyringA.Listening, keyringB.Listening).WaitAsync(TimeSpan.FromSeconds(30));
        var manager = a.GetRequiredService<TenantKeyManager>();
        await manager.EnsureProvisionedAsync(tenant, "provisioner");
        var before = await keyringB.GetCurrentAsync(tenant);

        var revoked = await manager.RevokeAsync(tenant, "admin-rev", "suspected compromise of our admin account");

        Assert.True(revoked.Changed);
        Assert.True(revoked.Status.Revoked);
        Assert.True(await EventuallyAsync(async () => await ReasonAsync(() => keyringB.GetCurrentAsync(tenant)) == TenantKeyUnavailableReason.Revoked));
        Assert.True(keyringB.IsListening);
        Assert.Equal(TenantKeyUnavailableReason.Revoked, await ReasonAsync(() => keyringB.GetAsync(tenant, 1)));
        Assert.Equal(TenantKeyUnavailableReason.Revoked, await ReasonAsync(() => keyringA.GetCurrentAsync(tenant)));
        // Enforced at the provider too: nothing unwraps there, whatever the metadata says.
        Assert.Equal(TenantKeyUnavailableReason.Revoked,
            await ReasonAsync(() => b.GetRequiredService<ITenantKeyProvider>().UnwrapAsync(tenant, 1)));
        Assert.False((await manager.RevokeAsync(tenant, "admin-rev", "again")).Changed);
        Assert.Equal(TenantKeyUnavailableReason.Revoked, await ReasonAsync(() => manager.RotateAsync(tenant, "admin-rev")));

        var reinstated = await manager.ReinstateAsync(tenant, "admin-rei");

        Assert.True(reinstated.Changed);
        Assert.True(await EventuallyAsync(async () => await ReasonAsync(() => keyringB.GetCurrentAsync(tenant)) is null));
        Assert.Equal(before.Material.ToArray(), (await keyringB.GetCurrentAsync(tenant)).Material.ToArray());
        Assert.False((await manager.ReinstateAsync(tenant, "admin-rei")).Changed);
        var revocation = Assert.Single(await fixture.AuditAsync(tenant, AuditEventTypes.TenantKeyRevoked));
        Assert.Equal("admin-rev", revocation.Actor);
        Assert.Contains("suspected compromise", revocation.Fields["details"], StringComparison.Ordinal);
        Assert.Equal("admin-rei", Assert.Single(await fixture.AuditAsync(tenant, AuditEventTypes.TenantKeyReinstated)).Actor);
        await keyringA.StopAsync(CancellationToken.None);
        await keyringB.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task DestroyAll_NoVersionEverUsableAgain_RepeatedCallsConfirm_AndNothingIsCreatedAfter()
    {
        var tenant = TenantKeysFixture.NewTenantId("kdes");
        var services = fixture.CreateServices();
        var manager = services.GetRequiredService<TenantKeyManager>();
        var keyring = services.GetRequiredService<ITenantKeyring>();
        var provider = (LocalFileKeyProvider)services.GetRequiredService<ITenantKeyProvider>();
        await manager.EnsureProvisionedAsync(tenant, "provisioner");
        await manager.RotateAsync(tenant, "admin");

        Assert.True(await manager.DestroyAllAsync(tenant, "terminator"));
        Assert.False(await manager.DestroyAllAsync(tenant, "terminator"));

        var status = await services.GetRequiredService<TenantKeyStore>().GetAsync(tenant);
        Assert.True(status!.Destroyed);
        Assert.Equal("terminator", status.DestroyedBy);
        Assert.All(status.Versions, v => Assert.Equal(TenantKeyVersionState.Destroyed, v.State));
        Assert.Null(status.Current);
        Assert.Empty(provider.StoredVersions(tenant));
        foreach (var attempt in new Func<Task>[]
        {
            async () => await keyring.GetCurrentAsync(tenant),
            async () => await keyring.GetAsync(tenant, 1),
            async () => await keyring.GetReadableAsync(tenant),
            () => provider.UnwrapAsync(tenant, 2),
            () => manager.EnsureProvisionedAsync(tenant, "provisioner"),
            () => manager.RotateAsync(tenant, "admin"),
            () => manager.RevokeAsync(tenant, "admin", "why"),
            () => manager.ReinstateAsync(tenant, "admin"),
        })
        {
            Assert.Equal(TenantKeyUnavailableReason.Destroyed, await ReasonAsync(attempt));
        }
        Assert.Equal(2, (await fixture.AuditAsync(tenant, AuditEventTypes.TenantKeyDestroyed)).Count);
    }

    [Fact]
    public async Task DestroyAll_TenantWithoutKey_NeverGetsOne()
    {
        var tenant = TenantKeysFixture.NewTenantId("knokey");
        var manager = fixture.CreateServices().GetRequiredService<TenantKeyManager>();

        Assert.True(await manager.DestroyAllAsync(tenant, "terminator"));

        Assert.Equal(TenantKeyUnavailableReason.Destroyed, await ReasonAsync(() => manager.EnsureProvisionedAsync(tenant, "provisioner")));
    }

    [Fact]
    public async Task UnknownTenant_IsMissing_AndLeavesNoRecord()
    {
        var tenant = TenantKeysFixture.NewTenantId("kmiss");
        var services = fixture.CreateServices();
        var manager = services.GetRequiredService<TenantKeyManager>();

        Assert.Equal(TenantKeyUnavailableReason.Missing, await ReasonAsync(() => services.GetRequiredService<ITenantKeyring>().GetCurrentAsync(tenant)));
        Assert.Equal(TenantKeyUnavailableReason.Missing, await ReasonAsync(() => manager.RotateAsync(tenant, "admin")));
        Assert.Equal(TenantKeyUnavailableReason.Missing, await ReasonAsync(() => manager.RevokeAsync(tenant, "admin", "why")));
        Assert.Null(await services.GetRequiredService<TenantKeyStore>().GetAsync(tenant));
    }

    [Fact]
    public async Task PlatformDatabase_HoldsMetadataOnly_NeverKeyMaterial()
    {
        var tenant = TenantKeysFixture.NewTenantId("kmeta");
        var services = fixture.CreateServices();
        var manager = services.GetRequiredService<TenantKeyManager>();
        await manager.EnsureProvisionedAsync(tenant, "provisioner");
        await manager.RotateAsync(tenant, "admin");
        var keyring = services.GetRequiredService<ITenantKeyring>();
        var materials = (await keyring.GetReadableAsync(tenant)).Select(k => k.Material.ToArray()).ToList();

        var stored = await Sql.ScalarAsync<string>(fixture.PlatformConnectionString,
            """
            SELECT (SELECT string_agg(k::text, ' ') FROM platform.tenant_keys k WHERE k.tenant_id = @t)
                || (SELECT string_agg(s::text, ' ') FROM platform.tenant_key_status s WHERE s.tenant_id = @t)
            """, ("t", tenant));
        var binaryColumns = await Sql.ScalarAsync<long>(fixture.PlatformConnectionString,
            """
            SELECT count(*) FROM information_schema.columns
             WHERE table_schema = 'platform' AND table_name IN ('tenant_keys', 'tenant_key_status') AND data_type = 'bytea'
            """);

        Assert.Equal(0, binaryColumns);
        Assert.All(materials, material =>
        {
            Assert.DoesNotContain(Convert.ToHexString(material), stored, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(material), stored, StringComparison.Ordinal);
        });
    }

    private static async Task<TenantKeyUnavailableReason?> ReasonAsync(Func<ValueTask<TenantDataKey>> action) =>
        await ReasonAsync(async () => { await action(); });

    private static async Task<TenantKeyUnavailableReason?> ReasonAsync(Func<ValueTask<IReadOnlyList<TenantDataKey>>> action) =>
        await ReasonAsync(async () => { await action(); });

    private static async Task<TenantKeyUnavailableReason?> ReasonAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (TenantKeyUnavailableException exception)
        {
            return exception.Reason;
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds or a generous deadline passes; answers whether it held.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(50);
        }
        return await condition();
    }
}
