namespace SaaSReference.Identity.Events;

/// <summary>
/// Receives the identity service's security events (sign-ins, MFA, lockouts, password changes, tokens, user
/// administration). The default sink writes a structured log entry; the audit trail consumes them later.
/// An implementation must not throw for a well-formed event: raising an event never decides an outcome.
/// </summary>
public interface ISecurityEventSink
{
    /// <summary>Records <paramref name="securityEvent"/>.</summary>
    ValueTask RaiseAsync(SecurityEvent securityEvent, CancellationToken cancellationToken = default);
}

/// <summary>One security-relevant thing that happened in the identity service.</summary>
/// <param name="Type">One of <see cref="SecurityEventTypes"/>.</param>
/// <param name="UserId">The person concerned (the subject), if any.</param>
/// <param name="TenantId">Their tenant, or null for platform staff and events without a tenant.</param>
/// <param name="ClientId">The OAuth client involved, if any.</param>
/// <param name="Outcome"><see cref="SecurityEventOutcomes.Success"/> or <see cref="SecurityEventOutcomes.Failure"/>.</param>
/// <param name="Details">Further facts (never a password, token or secret).</param>
public sealed record SecurityEvent(
    string Type,
    string? UserId,
    string? TenantId,
    string? ClientId,
    string Outcome,
    IReadOnlyDictionary<string, string>? Details);

/// <summary>The values of <see cref="SecurityEvent.Outcome"/>.</summary>
public static class SecurityEventOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
}
