using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Api;

/// <summary>What the access review reads of one account to flag it (9.4.1c): the same facts for the summary and the page.</summary>
public sealed record AccessReviewFacts(
    DateTimeOffset? LastSignInAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LockoutEnd,
    bool PasswordChangeRequired,
    bool MfaEnrolled,
    bool Privileged);

/// <summary>
/// 9.4.1c: the flags of the access review report, one rule each, in this order:
/// <list type="bullet">
/// <item><c>stale</c>: no sign-in for <c>staleAfterDays</c>: the last sign-in, or the creation of an account that never
/// signed in, is at least that many days before the report.</item>
/// <item><c>never-signed-in</c>: never signed in, and created at least <c>neverSignedInAfterDays</c> (default 14) days before
/// the report (9.2.x: an account handed out and never used should be removed).</item>
/// <item><c>no-mfa</c>: no enrolled second factor.</item>
/// <item><c>privileged-without-mfa</c>: a privileged role (operator, approver, auditor, tenant-admin) and no enrolled second
/// factor; such a person gets no token until enrolled, but the account is a risk to review.</item>
/// <item><c>locked-out</c>: a lockout in force when the report was read.</item>
/// <item><c>password-change-required</c>: the next sign-in must change the password first (reset, or below the policy).</item>
/// </list>
/// </summary>
public static class AccessReviewFlags
{
    public const int MinDays = 1;
    public const int MaxDays = 3650;

    public const string Stale = "stale";
    public const string NeverSignedIn = "never-signed-in";
    public const string NoMfa = "no-mfa";
    public const string PrivilegedWithoutMfa = "privileged-without-mfa";
    public const string LockedOut = "locked-out";
    public const string PasswordChangeRequired = "password-change-required";

    public static IReadOnlyList<string> All { get; } = [Stale, NeverSignedIn, NoMfa, PrivilegedWithoutMfa, LockedOut, PasswordChangeRequired];

    /// <summary>Whether one of <paramref name="roles"/> is privileged (<see cref="PlatformRoles.Privileged"/>, 9.2.3a).</summary>
    public static bool IsPrivileged(IEnumerable<string> roles) => roles.Any(PlatformRoles.Privileged.Contains);

    public static IReadOnlyList<string> Of(AccessReviewFacts facts, DateTimeOffset now, int staleAfterDays, int neverSignedInAfterDays)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var flags = new List<string>(All.Count);
        if ((facts.LastSignInAt ?? facts.CreatedAt) <= now.AddDays(-staleAfterDays))
        {
            flags.Add(Stale);
        }
        if (facts.LastSignInAt is null && facts.CreatedAt <= now.AddDays(-neverSignedInAfterDays))
        {
            flags.Add(NeverSignedIn);
        }
        if (!facts.MfaEnrolled)
        {
            flags.Add(NoMfa);
            if (facts.Privileged)
            {
                flags.Add(PrivilegedWithoutMfa);
            }
        }
        if (facts.LockoutEnd is { } end && end > now)
        {
            flags.Add(LockedOut);
        }
        if (facts.PasswordChangeRequired)
        {
            flags.Add(PasswordChangeRequired);
        }
        return flags;
    }
}
