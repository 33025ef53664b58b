using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Account;

/// <summary>
/// The password step. Every refusal looks the same to the caller (13.2.2d): unknown email, a user of another
/// tenant, a wrong password, a locked or not-allowed account all return null, and each path verifies a password
/// hash so that the time taken does not tell them apart either. Only the security event says which it was.
/// </summary>
public sealed class PasswordSignIn(
    UserManager<PlatformUser> users,
    SignInManager<PlatformUser> signIn,
    IPasswordHasher<PlatformUser> hasher,
    LockoutBackoff lockout,
    SignInAudit audit)
{
    private static string? dummyHash;

    /// <summary>The user when the password is right for an account of <paramref name="tenantId"/> (null: staff).</summary>
    public async Task<PlatformUser?> CheckAsync(string? tenantId, string email, string password, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(password);
        var normalized = users.NormalizeEmail(email.Trim());
        // The tenant is part of the lookup, so a tenant A account is simply not found when tenant B was chosen:
        // nobody signs in "as" another tenant, and the same email may exist in two tenants as two accounts.
        var matches = await users.Users
            .Where(u => u.NormalizedEmail == normalized && u.TenantId == tenantId)
            .Take(2)
            .ToListAsync(ct);
        if (matches.Count != 1)
        {
            BurnHashTime(password);
            await audit.SignInFailedAsync(null, tenantId, matches.Count == 0 ? "no such account in the chosen tenant" : "ambiguous email");
            return null;
        }

        var user = matches[0];
        if (await users.IsLockedOutAsync(user))
        {
            BurnHashTime(password);
            await audit.SignInFailedAsync(user, tenantId, "locked out");
            return null;
        }

        var result = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (result.Succeeded)
        {
            // 6.2.1d, 9.2.4a: a password set under an older policy is checked now, while we have the plaintext.
            if (!user.PasswordChangeRequired && PasswordPolicy.Check(password, user.UserName, user.Email).Count > 0)
            {
                user.PasswordChangeRequired = true;
                await users.UpdateAsync(user);
            }
            return user;
        }
        if (result.IsNotAllowed)
        {
            await audit.SignInFailedAsync(user, tenantId, "not allowed to sign in");
            return null;
        }

        await audit.SignInFailedAsync(user, tenantId, "wrong password");
        if (await lockout.RecordFailureAsync(user))
        {
            await audit.LockedOutAsync(user);
        }
        return null;
    }

    // The unknown-account and locked paths verify against a throwaway hash, as long as a real check takes.
    private void BurnHashTime(string password)
    {
        var hash = dummyHash ??= hasher.HashPassword(new PlatformUser(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        hasher.VerifyHashedPassword(new PlatformUser(), hash, password);
    }
}
