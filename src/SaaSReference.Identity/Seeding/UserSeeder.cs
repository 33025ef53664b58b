using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Seeding;

/// <summary>
/// Demo people from <c>Identity:Seed:Users</c>: each is created if no account has its email yet, and left alone
/// otherwise (a password set or changed since is never overwritten). A conflicting set of roles (6.1.2a/c), a
/// password against the policy (6.2.1d) or a bad tenant id stops the start with a message: seeding never
/// creates an account the user API would refuse. A tenant whose user quota is full (12.1.3c) is not a mistake in the
/// configuration but the platform's state: that person is skipped with a warning, and the start goes on.
/// </summary>
public sealed partial class UserSeeder(UserManager<PlatformUser> users, UserAccounts accounts, TenantQuotas quotas,
    IOptions<SeedOptions> seed, ILogger<UserSeeder> logger)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var person in seed.Value.Users)
        {
            var roles = person.Roles.Distinct(StringComparer.Ordinal).ToList();
            var tenantId = string.IsNullOrWhiteSpace(person.TenantId) ? null : person.TenantId;
            if (string.IsNullOrWhiteSpace(person.Email))
            {
                throw new InvalidOperationException("An Identity:Seed:Users entry has no Email.");
            }
            if (PlatformRoles.Conflict(roles, tenantId) is { } conflict)
            {
                throw new InvalidOperationException($"Refusing to seed {person.Email}: {conflict}");
            }
            if (tenantId is not null && !TenantIds.IsValid(tenantId))
            {
                throw new InvalidOperationException($"Refusing to seed {person.Email}: '{tenantId}' is not a valid tenant id.");
            }
            if (await users.FindByEmailAsync(person.Email) is not null)
            {
                continue;
            }
            var displayName = string.IsNullOrWhiteSpace(person.DisplayName) ? person.Email : person.DisplayName;
            var (_, result) = await accounts.CreateAsync(person.Email, displayName, tenantId, roles, person.Password, cancellationToken);
            if (result.Errors.OfType<QuotaExceededError>().FirstOrDefault() is { } exceeded)
            {
                LogQuotaFull(logger, person.Email, exceeded.Description);
                await quotas.ReportAsync(tenantId!, exceeded, "seeding", cancellationToken);
                continue;
            }
            SeedFailure.ThrowIfFailed(result, $"user {person.Email}");
            IdentitySeeder.LogCreated(logger, "user", person.Email);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not seeding user {Email}: {Reason}")]
    private static partial void LogQuotaFull(ILogger logger, string email, string reason);
}
