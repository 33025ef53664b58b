namespace SaaSReference.Identity.Events;

/// <summary>The names of <see cref="SecurityEvent.Type"/>: stable strings that the audit trail and reports key on.</summary>
public static class SecurityEventTypes
{
    public const string SignInSucceeded = "sign-in.succeeded";
    public const string SignInFailed = "sign-in.failed";
    public const string MfaEnrolled = "mfa.enrolled";
    public const string MfaSucceeded = "mfa.succeeded";
    public const string MfaFailed = "mfa.failed";
    public const string AccountLockedOut = "account.locked-out";
    public const string PasswordChanged = "password.changed";
    public const string PasswordReset = "password.reset";
    public const string TokenIssued = "token.issued";
    public const string TokenRevoked = "token.revoked";
    public const string UserCreated = "user.created";

    /// <summary>A tenant's sign-in policy was set (9.2.3a); details: by, policy, old, new.</summary>
    public const string TenantPolicyChanged = "tenant.policy-changed";

    /// <summary>
    /// 12.1.3c, 12.2.1b/g: a sign-in stopped because the tenant is frozen, quarantined or terminated; details: step,
    /// status, reason, quarantined, revision.
    /// </summary>
    public const string SignInTenantSuspended = "sign-in.tenant-suspended";

    /// <summary>
    /// 12.1.3c, 12.2.1b/g: a token request (code, refresh, client credentials) refused because the tenant is frozen,
    /// quarantined or terminated; details: grant_type, status, reason, quarantined, revision.
    /// </summary>
    public const string TokenTenantSuspended = "token.tenant-suspended";

    /// <summary>12.1.3c: a user or machine client not created because the tenant has as many as its limits allow; details: quota, limit, used, by.</summary>
    public const string TenantQuotaExceeded = "tenant.quota-exceeded";

    public static readonly IReadOnlyList<string> All =
    [
        SignInSucceeded, SignInFailed, MfaEnrolled, MfaSucceeded, MfaFailed, AccountLockedOut,
        PasswordChanged, PasswordReset, TokenIssued, TokenRevoked, UserCreated, TenantPolicyChanged,
        SignInTenantSuspended, TokenTenantSuspended, TenantQuotaExceeded,
    ];
}
