using System.Data;
using Microsoft.EntityFrameworkCore;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Api;

/// <summary>
/// 9.4.1c: reads one access review from the identity tables: the summary over every account of the scope and one page
/// of accounts in detail, from one snapshot (repeatable read), so the two agree. Reads no secret: whether an
/// authenticator key exists and how many recovery codes are left are computed by the database.
/// </summary>
public sealed class AccessReviewReports(IdentityDb db, TimeProvider time)
{
    // ASP.NET Core Identity's own rows in AspNetUserTokens (UserStoreBase): the authenticator key and the recovery codes,
    // the latter one value joined by ';'. A test enrolls a person through UserManager and checks both are found.
    private const string StoreProvider = "[AspNetUserStore]";
    private const string AuthenticatorKeyName = "AuthenticatorKey";
    private const string RecoveryCodesName = "RecoveryCodes";

    private const string Ordinal = "C";

    public async Task<AccessReviewResponse> ReadAsync(AccessReviewQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var now = time.GetUtcNow();
        var privileged = PlatformRoles.Privileged.ToArray();
        var scoped = (query.TenantId is { } tenant ? db.Users.Where(u => u.TenantId == tenant) : db.Users.Where(u => u.TenantId == null))
            .AsNoTracking();

        var facts = await scoped.Select(u => new AccessReviewFacts(
                u.LastSignInAt,
                u.CreatedAt,
                u.LockoutEnd,
                u.PasswordChangeRequired,
                u.TwoFactorEnabled && db.UserTokens.Any(t => t.UserId == u.Id && t.LoginProvider == StoreProvider && t.Name == AuthenticatorKeyName),
                db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && privileged.Contains(r.Name!)))))
            .ToListAsync(cancellationToken);
        var counts = AccessReviewFlags.All.ToDictionary(flag => flag, _ => 0, StringComparer.Ordinal);
        var flagged = 0;
        foreach (var flags in facts.Select(f => AccessReviewFlags.Of(f, now, query.StaleAfterDays, query.NeverSignedInAfterDays)))
        {
            flagged += flags.Count > 0 ? 1 : 0;
            foreach (var flag in flags)
            {
                counts[flag]++;
            }
        }

        // Keyset paging in byte order of (user name, id), independent of the database's collation.
        var page = scoped;
        if (query.Cursor is { } cursor)
        {
            page = page.Where(u => string.Compare(EF.Functions.Collate(u.UserName!, Ordinal), cursor.UserName) > 0
                || (u.UserName == cursor.UserName && string.Compare(EF.Functions.Collate(u.Id, Ordinal), cursor.Id) > 0));
        }
        var rows = await page
            .OrderBy(u => EF.Functions.Collate(u.UserName!, Ordinal)).ThenBy(u => EF.Functions.Collate(u.Id, Ordinal))
            .Take(query.Limit + 1)
            .Select(u => new Row(
                u.Id, u.UserName!, u.Email, u.DisplayName, u.TenantId, u.CreatedAt, u.LastSignInAt, u.LockoutEnd, u.ConsecutiveLockouts,
                u.PasswordChangeRequired,
                u.TwoFactorEnabled && db.UserTokens.Any(t => t.UserId == u.Id && t.LoginProvider == StoreProvider && t.Name == AuthenticatorKeyName),
                db.UserTokens
                    .Where(t => t.UserId == u.Id && t.LoginProvider == StoreProvider && t.Name == RecoveryCodesName && t.Value != null && t.Value != "")
                    .Select(t => t.Value!.Length - t.Value.Replace(";", "").Length + 1)
                    .FirstOrDefault()))
            .ToListAsync(cancellationToken);
        var more = rows.Count > query.Limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        var ids = rows.Select(r => r.Id).ToList();
        var roles = (await (from userRole in db.UserRoles
                            join role in db.Roles on userRole.RoleId equals role.Id
                            where ids.Contains(userRole.UserId)
                            select new { userRole.UserId, role.Name }).ToListAsync(cancellationToken))
            .ToLookup(r => r.UserId, r => r.Name!, StringComparer.Ordinal);
        await snapshot.CommitAsync(cancellationToken);

        var users = rows.Select(row => ToUser(row, [.. roles[row.Id].Order(StringComparer.Ordinal)], now, query)).ToList();
        var next = more ? new AccessReviewCursor(query.ScopeKey, rows[^1].UserName, rows[^1].Id).Encode() : null;
        return new AccessReviewResponse(now, query.IsStaff ? AccessReviewQuery.StaffScope : AccessReviewQuery.TenantScope, query.TenantId,
            new AccessReviewParameters(query.StaleAfterDays, query.NeverSignedInAfterDays, query.Limit, query.CursorText),
            new AccessReviewSummary(facts.Count, flagged, counts), users, next);
    }

    private static AccessReviewUser ToUser(Row row, IReadOnlyList<string> roles, DateTimeOffset now, AccessReviewQuery query)
    {
        var factors = new List<string>(2);
        if (row.MfaEnrolled)
        {
            factors.Add("totp");
        }
        if (row.RecoveryCodesLeft > 0)
        {
            factors.Add("recovery-codes");
        }
        var facts = new AccessReviewFacts(row.LastSignInAt, row.CreatedAt, row.LockoutEnd, row.PasswordChangeRequired, row.MfaEnrolled,
            AccessReviewFlags.IsPrivileged(roles));
        return new AccessReviewUser(row.Id, row.UserName, row.Email, row.DisplayName, row.TenantId, roles,
            new AccessReviewMfa(row.MfaEnrolled, factors, row.RecoveryCodesLeft), row.CreatedAt, row.LastSignInAt,
            row.LockoutEnd is { } end && end > now ? end : null, row.ConsecutiveLockouts, row.PasswordChangeRequired,
            AccessReviewFlags.Of(facts, now, query.StaleAfterDays, query.NeverSignedInAfterDays));
    }

    private sealed record Row(
        string Id,
        string UserName,
        string? Email,
        string DisplayName,
        string? TenantId,
        DateTimeOffset CreatedAt,
        DateTimeOffset? LastSignInAt,
        DateTimeOffset? LockoutEnd,
        int ConsecutiveLockouts,
        bool PasswordChangeRequired,
        bool MfaEnrolled,
        int RecoveryCodesLeft);
}
