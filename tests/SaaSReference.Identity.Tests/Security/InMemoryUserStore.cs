using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>Just enough of a user store for UserManager: names, email, password hash and authenticator key.</summary>
public sealed class InMemoryUserStore : IUserEmailStore<TestUser>, IUserPasswordStore<TestUser>, IUserAuthenticatorKeyStore<TestUser>
{
    private readonly ConcurrentDictionary<string, TestUser> _users = new();

    public Task<IdentityResult> CreateAsync(TestUser user, CancellationToken cancellationToken)
    {
        _users[user.Id] = user;
        return Task.FromResult(IdentityResult.Success);
    }

    public Task<IdentityResult> UpdateAsync(TestUser user, CancellationToken cancellationToken) => CreateAsync(user, cancellationToken);

    public Task<IdentityResult> DeleteAsync(TestUser user, CancellationToken cancellationToken)
    {
        _users.TryRemove(user.Id, out _);
        return Task.FromResult(IdentityResult.Success);
    }

    public Task<TestUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult(_users.GetValueOrDefault(userId));

    public Task<TestUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        Task.FromResult(_users.Values.FirstOrDefault(user => user.NormalizedUserName == normalizedUserName));

    public Task<TestUser?> FindByEmailAsync(string normalizedEmail, CancellationToken cancellationToken) =>
        Task.FromResult(_users.Values.FirstOrDefault(user => user.NormalizedEmail == normalizedEmail));

    public Task<string> GetUserIdAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);
    public Task<string?> GetUserNameAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.UserName);
    public Task<string?> GetNormalizedUserNameAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedUserName);
    public Task<string?> GetEmailAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.Email);
    public Task<string?> GetNormalizedEmailAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedEmail);
    public Task<bool> GetEmailConfirmedAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.EmailConfirmed);
    public Task<string?> GetPasswordHashAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash);
    public Task<bool> HasPasswordAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash is not null);
    public Task<string?> GetAuthenticatorKeyAsync(TestUser user, CancellationToken cancellationToken) => Task.FromResult(user.AuthenticatorKey);

    public Task SetUserNameAsync(TestUser user, string? userName, CancellationToken cancellationToken) => Set(() => user.UserName = userName);
    public Task SetNormalizedUserNameAsync(TestUser user, string? normalizedName, CancellationToken cancellationToken) => Set(() => user.NormalizedUserName = normalizedName);
    public Task SetEmailAsync(TestUser user, string? email, CancellationToken cancellationToken) => Set(() => user.Email = email);
    public Task SetNormalizedEmailAsync(TestUser user, string? normalizedEmail, CancellationToken cancellationToken) => Set(() => user.NormalizedEmail = normalizedEmail);
    public Task SetEmailConfirmedAsync(TestUser user, bool confirmed, CancellationToken cancellationToken) => Set(() => user.EmailConfirmed = confirmed);
    public Task SetPasswordHashAsync(TestUser user, string? passwordHash, CancellationToken cancellationToken) => Set(() => user.PasswordHash = passwordHash);
    public Task SetAuthenticatorKeyAsync(TestUser user, string key, CancellationToken cancellationToken) => Set(() => user.AuthenticatorKey = key);

    public void Dispose()
    {
    }

    private static Task Set(Action assign)
    {
        assign();
        return Task.CompletedTask;
    }
}
