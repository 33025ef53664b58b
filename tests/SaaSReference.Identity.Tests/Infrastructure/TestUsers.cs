using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>
/// Accounts made for one test, so that no two tests share a person's grants or lockout state. Made as fixtures,
/// past the tenant's user quota (12.1.3c): the shared tenants collect many of them; the quota is tested through the API.
/// </summary>
public static class TestUsers
{
    public static async Task<PlatformUser> CreateAsync(IdentityFactory identity, string? tenantId = "acme", string role = PlatformRoles.TenantUser)
    {
        var email = $"u{Guid.NewGuid():N}@{tenantId ?? "platform"}.test";
        await using var scope = identity.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        var (user, result) = await accounts.CreateAsync(email, "Test person", tenantId, [role], TestSeed.Password, CancellationToken.None,
            enforceUserQuota: false);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Code)));
        return user;
    }

    /// <summary>Runs <paramref name="change"/> on the stored account and saves it.</summary>
    public static async Task UpdateAsync(IdentityFactory identity, string userId, Func<UserManager<PlatformUser>, PlatformUser, Task> change)
    {
        await using var scope = identity.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("no such user");
        await change(users, user);
        var result = await users.UpdateAsync(user);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Code)));
    }

    public static async Task<T> WithAsync<T>(IdentityFactory identity, Func<IServiceProvider, Task<T>> query)
    {
        await using var scope = identity.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider);
    }
}
