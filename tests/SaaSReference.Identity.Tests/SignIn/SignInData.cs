using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>Direct reads and changes of the stored accounts, for what a test cannot do through the pages.</summary>
public static class SignInData
{
    public static async Task<PlatformUser> FindUserAsync(this SignInEnvironment factory, string email)
    {
        ArgumentNullException.ThrowIfNull(factory);
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        return await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"No user {email}.");
    }

    public static async Task ChangeUserAsync(this SignInEnvironment factory, string email, Func<UserManager<PlatformUser>, PlatformUser, Task> change)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(change);
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"No user {email}.");
        await change(users, user);
    }

    /// <summary>As if the lockout had run its course: the end moved into the past, nothing else changed.</summary>
    public static Task ExpireLockoutAsync(this SignInEnvironment factory, string email) =>
        factory.ChangeUserAsync(email, (users, user) => users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddSeconds(-1)));

    /// <summary>A password stored under an older policy: hashed directly, bypassing today's validators.</summary>
    public static Task StoreOldPasswordAsync(this SignInEnvironment factory, string email, string password) =>
        factory.ChangeUserAsync(email, async (users, user) =>
        {
            user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
            await users.UpdateAsync(user);
        });

    public static async Task RequireMfaForTenantAsync(this SignInEnvironment factory, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _ = factory.Services; // the host has started, so the schema exists
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO identity.tenant_policies (tenant_id, require_mfa, updated_by) VALUES ($1, true, 'sign-in tests') " +
            "ON CONFLICT (tenant_id) DO UPDATE SET require_mfa = true", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        await command.ExecuteNonQueryAsync();
    }
}
