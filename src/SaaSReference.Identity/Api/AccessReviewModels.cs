using System.ComponentModel.DataAnnotations;

namespace SaaSReference.Identity.Api;

/// <summary>
/// 9.4.1c: the defaults of the access review report (<c>AccessReview:*</c>). Both are days, 1 to 3650; the service
/// does not start with a value outside that range.
/// </summary>
public sealed class AccessReviewOptions
{
    public const string Section = "AccessReview";

    /// <summary>An account with no sign-in for this many days (since its last one, or since it was created) is <c>stale</c>.</summary>
    [Range(AccessReviewFlags.MinDays, AccessReviewFlags.MaxDays)]
    public int StaleAfterDays { get; set; } = 90;

    /// <summary>An account created this many days ago that has never signed in is <c>never-signed-in</c> (9.2.x: handed out, never used).</summary>
    [Range(AccessReviewFlags.MinDays, AccessReviewFlags.MaxDays)]
    public int NeverSignedInAfterDays { get; set; } = 14;
}

/// <summary>The answer of <c>GET /api/access-review</c> (9.4.1c): one page of one scope's people, with the summary of the whole scope.</summary>
/// <param name="GeneratedAt">When the report was read (one database snapshot for the summary and the page).</param>
/// <param name="Scope"><c>tenant</c> or <c>staff</c>.</param>
/// <param name="TenantId">The reviewed tenant; null for the platform's staff.</param>
/// <param name="Parameters">The parameters in force, defaults included.</param>
/// <param name="Summary">Counts over every account of the scope, not only this page.</param>
/// <param name="Users">This page, by user name (ordinal), then id.</param>
/// <param name="NextCursor">The <c>cursor</c> of the next page; null on the last one.</param>
public sealed record AccessReviewResponse(
    DateTimeOffset GeneratedAt,
    string Scope,
    string? TenantId,
    AccessReviewParameters Parameters,
    AccessReviewSummary Summary,
    IReadOnlyList<AccessReviewUser> Users,
    string? NextCursor);

public sealed record AccessReviewParameters(int StaleAfterDays, int NeverSignedInAfterDays, int Limit, string? Cursor);

/// <param name="Users">Accounts in the scope.</param>
/// <param name="Flagged">Accounts with at least one flag.</param>
/// <param name="Flags">Accounts per flag; every flag is listed, also with 0.</param>
public sealed record AccessReviewSummary(int Users, int Flagged, IReadOnlyDictionary<string, int> Flags);

/// <summary>One account as a reviewer sees it: never a password, a hash, an authenticator key or a recovery code.</summary>
/// <param name="Id">The account's id (the <c>sub</c> of its tokens).</param>
/// <param name="UserName">The sign-in name (the email address for people created by the platform).</param>
/// <param name="Email">The email address.</param>
/// <param name="DisplayName">The name shown to people.</param>
/// <param name="TenantId">The account's tenant; null for the platform's staff.</param>
/// <param name="Roles">Its roles, in ordinal order.</param>
/// <param name="Mfa">Its second factors.</param>
/// <param name="CreatedAt">When the account was created.</param>
/// <param name="LastSignInAt">The last completed interactive sign-in; null: never signed in.</param>
/// <param name="LockedOutUntil">The end of a lockout in force; null when not locked out.</param>
/// <param name="ConsecutiveLockouts">Lockouts in a row since the last completed sign-in (13.2.2d backoff).</param>
/// <param name="PasswordChangeRequired">The next sign-in must change the password first.</param>
/// <param name="Flags">The account's flags (<see cref="AccessReviewFlags"/>), in the order of <see cref="AccessReviewFlags.All"/>.</param>
public sealed record AccessReviewUser(
    string Id,
    string UserName,
    string? Email,
    string DisplayName,
    string? TenantId,
    IReadOnlyList<string> Roles,
    AccessReviewMfa Mfa,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt,
    DateTimeOffset? LockedOutUntil,
    int ConsecutiveLockouts,
    bool PasswordChangeRequired,
    IReadOnlyList<string> Flags);

/// <param name="Enrolled">Two-factor enabled with a confirmed authenticator (the rule the sign-in pages apply).</param>
/// <param name="Factors">The enrolled kinds: <c>totp</c>, and <c>recovery-codes</c> while unused codes remain.</param>
/// <param name="RecoveryCodesLeft">Unused recovery codes.</param>
public sealed record AccessReviewMfa(bool Enrolled, IReadOnlyList<string> Factors, int RecoveryCodesLeft);
