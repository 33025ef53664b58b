using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;

namespace SaaSReference.Identity.Account;

/// <summary>
/// The security events of the sign-in flow (9.1.2e, 13.2.2d). The reason for a refusal is recorded here and only
/// here: the person sees one generic message whatever it was. Never a password, code or key in the details.
/// </summary>
public sealed class SignInAudit(ISecurityEventSink sink)
{
    public ValueTask SignInFailedAsync(PlatformUser? user, string? chosenTenant, string reason) =>
        RaiseAsync(SecurityEventTypes.SignInFailed, user, SecurityEventOutcomes.Failure,
            ("reason", reason), ("chosen_tenant", chosenTenant ?? "platform staff"));

    public ValueTask SignInSucceededAsync(PlatformUser user, IEnumerable<string> methods) =>
        RaiseAsync(SecurityEventTypes.SignInSucceeded, user, SecurityEventOutcomes.Success, ("amr", string.Join(' ', methods)));

    public ValueTask LockedOutAsync(PlatformUser user) =>
        RaiseAsync(SecurityEventTypes.AccountLockedOut, user, SecurityEventOutcomes.Failure,
            ("consecutive_lockouts", user.ConsecutiveLockouts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("until", user.LockoutEnd?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? ""));

    public ValueTask MfaEnrolledAsync(PlatformUser user) =>
        RaiseAsync(SecurityEventTypes.MfaEnrolled, user, SecurityEventOutcomes.Success, ("method", "totp"));

    public ValueTask MfaSucceededAsync(PlatformUser user, string method) =>
        RaiseAsync(SecurityEventTypes.MfaSucceeded, user, SecurityEventOutcomes.Success, ("method", method));

    public ValueTask MfaFailedAsync(PlatformUser user, string method) =>
        RaiseAsync(SecurityEventTypes.MfaFailed, user, SecurityEventOutcomes.Failure, ("method", method));

    public ValueTask PasswordChangedAsync(PlatformUser user, bool required) =>
        RaiseAsync(SecurityEventTypes.PasswordChanged, user, SecurityEventOutcomes.Success, ("required", required ? "true" : "false"));

    private ValueTask RaiseAsync(string type, PlatformUser? user, string outcome, params (string Key, string Value)[] details) =>
        sink.RaiseAsync(new SecurityEvent(type, user?.Id, user?.TenantId, null, outcome,
            details.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal)));
}
