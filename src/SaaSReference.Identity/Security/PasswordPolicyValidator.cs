using Microsoft.AspNetCore.Identity;

namespace SaaSReference.Identity.Security;

/// <summary>
/// Applies <see cref="PasswordPolicy"/> whenever ASP.NET Core Identity sets or changes a password (6.2.1d,
/// 9.2.4a): length and a common-password check instead of Identity's composition rules, which
/// <see cref="SecurityServiceCollectionExtensions.AddPlatformMfaAndPasswords{TUser}"/> switches off.
/// </summary>
public sealed class PasswordPolicyValidator<TUser> : IPasswordValidator<TUser> where TUser : class
{
    /// <inheritdoc />
    public async Task<IdentityResult> ValidateAsync(UserManager<TUser> manager, TUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(user);
        var userName = await manager.GetUserNameAsync(user);
        var email = manager.SupportsUserEmail ? await manager.GetEmailAsync(user) : null;

        var failures = PasswordPolicy.Check(password ?? string.Empty, userName, email);
        return failures.Count == 0
            ? IdentityResult.Success
            : IdentityResult.Failed([.. failures.Select(code => new IdentityError { Code = code, Description = PasswordPolicy.Describe(code) })]);
    }
}
