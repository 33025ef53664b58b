using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace SaaSReference.Identity.Data;

/// <summary>Creating people's accounts, for the user API and the seeding alike: one place for the rules.</summary>
public sealed class UserAccounts(UserManager<PlatformUser> users, IdentityDb db, TimeProvider time)
{
    /// <summary>
    /// Creates the account with its roles, all or nothing. The caller has checked the roles with
    /// <see cref="PlatformRoles.Conflict"/>; the password policy and unique email are enforced by Identity's
    /// validators (the result then carries their error codes, e.g. <c>DuplicateEmail</c>, <c>PasswordTooShort</c>).
    /// </summary>
    public async Task<(PlatformUser User, IdentityResult Result)> CreateAsync(string email, string displayName, string? tenantId,
        IReadOnlyCollection<string> roles, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var user = new PlatformUser
        {
            UserName = email,
            Email = email,
            DisplayName = displayName,
            TenantId = tenantId,
            CreatedAt = time.GetUtcNow(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var result = await users.CreateAsync(user, password);
            if (result.Succeeded && roles.Count > 0)
            {
                result = await users.AddToRolesAsync(user, roles);
            }
            if (result.Succeeded)
            {
                await transaction.CommitAsync(cancellationToken);
            }
            return (user, result);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Lost a race with another request creating the same email (the unique EmailIndex).
            return (user, IdentityResult.Failed(users.ErrorDescriber.DuplicateEmail(email)));
        }
    }
}
