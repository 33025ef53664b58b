using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Data;

/// <summary>Creating people's accounts, for the user API and the seeding alike: one place for the rules.</summary>
public sealed class UserAccounts(UserManager<PlatformUser> users, IdentityDb db, TenantStandings standings, TimeProvider time)
{
    /// <summary>
    /// Creates the account with its roles, all or nothing. The caller has checked the roles with
    /// <see cref="PlatformRoles.Conflict"/>; the password policy and unique email are enforced by Identity's
    /// validators (the result then carries their error codes, e.g. <c>DuplicateEmail</c>, <c>PasswordTooShort</c>).
    /// 12.1.3c: a tenant that already has as many users as its limits allow gets none more (the result then carries a
    /// <see cref="QuotaExceededError"/>); <paramref name="enforceUserQuota"/> false skips that, for test fixtures only.
    /// </summary>
    public async Task<(PlatformUser User, IdentityResult Result)> CreateAsync(string email, string displayName, string? tenantId,
        IReadOnlyCollection<string> roles, string password, CancellationToken cancellationToken, bool enforceUserQuota = true)
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
            if (enforceUserQuota && tenantId is not null && await UserQuotaExceededAsync(tenantId, cancellationToken) is { } exceeded)
            {
                return (user, IdentityResult.Failed(exceeded));
            }
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

    /// <summary>
    /// 12.1.3c: null when <paramref name="tenantId"/> may have one user more. Holds a transaction-scoped advisory lock
    /// per tenant until the caller's transaction ends, so two creations at once (on any instances) cannot both take
    /// the last seat.
    /// </summary>
    private async Task<QuotaExceededError?> UserQuotaExceededAsync(string tenantId, CancellationToken cancellationToken)
    {
        var limit = (await standings.LimitsAsync(tenantId, cancellationToken)).Users;
        var key = "identity.users:" + tenantId;
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", cancellationToken);
        var used = await db.Users.CountAsync(u => u.TenantId == tenantId, cancellationToken);
        return used >= limit ? QuotaExceededError.For(TenantQuotas.Users, tenantId, limit, used) : null;
    }
}
