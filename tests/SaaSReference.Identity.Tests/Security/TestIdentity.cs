using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>A UserManager wired with <see cref="SecurityServiceCollectionExtensions.AddPlatformMfaAndPasswords{TUser}"/>.</summary>
public sealed class TestIdentity : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly AsyncServiceScope _scope;

    public TestIdentity(ITotpStepStore steps, TimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IUserStore<TestUser>, InMemoryUserStore>();
        services.AddSingleton(steps);
        services.AddSingleton(time);
        services.AddIdentityCore<TestUser>().AddPlatformMfaAndPasswords<TestUser>();
        _services = services.BuildServiceProvider(validateScopes: true);
        _scope = _services.CreateAsyncScope();
        Users = _scope.ServiceProvider.GetRequiredService<UserManager<TestUser>>();
    }

    public UserManager<TestUser> Users { get; }

    /// <summary>A user with a fresh authenticator key; returns the user and the key's secret bytes.</summary>
    public async Task<(TestUser User, byte[] Secret)> CreateUserWithKeyAsync(string userName = "alice")
    {
        var user = new TestUser { UserName = userName, Email = $"{userName}@example.com" };
        AssertSucceeded(await Users.CreateAsync(user));
        AssertSucceeded(await Users.ResetAuthenticatorKeyAsync(user));
        var key = await Users.GetAuthenticatorKeyAsync(user);
        return (user, Totp.FromBase32(key!));
    }

    public static void AssertSucceeded(IdentityResult result) =>
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(error => error.Code)));

    public void Dispose()
    {
        _scope.Dispose();
        _services.Dispose();
    }
}
