using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.OpenIddict;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class SeedingTests(IdentityEnvironment environment)
{
    [Fact]
    public async Task Seeding_ConflictingRoles_RefusesToStart()
    {
        var settings = TestSeed.Settings(await environment.CreateDatabaseAsync("conflict"));
        settings["Identity:Seed:Users:9:Email"] = "both@platform.test";
        settings["Identity:Seed:Users:9:Password"] = TestSeed.Password;
        settings["Identity:Seed:Users:9:Roles:0"] = PlatformRoles.Operator;
        settings["Identity:Seed:Users:9:Roles:1"] = PlatformRoles.Approver;
        var instance = environment.CreateInstance(settings);

        var error = await Assert.ThrowsAnyAsync<Exception>(instance.StartAsync);

        Assert.Contains("6.1.2a", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seeding_ExistingAccount_KeepsItsPassword()
    {
        var settings = TestSeed.Settings(environment.ConnectionString);
        settings["Identity:Seed:Users:0:Password"] = "a completely different passphrase 99";
        var instance = environment.CreateInstance(settings);

        await instance.StartAsync();

        var (original, replacement) = await TestUsers.WithAsync(instance, async services =>
        {
            var users = services.GetRequiredService<UserManager<PlatformUser>>();
            var user = (await users.FindByEmailAsync(TestSeed.Operator))!;
            return (await users.CheckPasswordAsync(user, TestSeed.Password), await users.CheckPasswordAsync(user, "a completely different passphrase 99"));
        });
        Assert.True(original);
        Assert.False(replacement);
    }

    [Fact]
    public async Task Seeding_MachineClient_RecordsItsTenantWithTheApplication()
    {
        var tenant = await TestUsers.WithAsync(environment.Identity, async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var application = (await applications.FindByClientIdAsync(TestSeed.GlobexWorker))!;
            return MachineTokenIssuer.TenantOf(await applications.GetPropertiesAsync(application));
        });

        Assert.Equal("globex", tenant);
    }
}
