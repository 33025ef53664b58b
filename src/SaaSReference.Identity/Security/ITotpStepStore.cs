namespace SaaSReference.Identity.Security;

/// <summary>
/// Remembers, per user, the last TOTP time step that was accepted, so that a code is accepted at most once and
/// an older code is refused once a newer one was used (RFC 6238 section 5.2; 9.2.3a, 13.2.2d).
/// </summary>
public interface ITotpStepStore
{
    /// <summary>
    /// Records <paramref name="step"/> as the user's last accepted step if, and only if, it is strictly greater
    /// than the one recorded before. Atomic: of concurrent calls with the same step, exactly one returns true.
    /// </summary>
    /// <returns>True when the step was accepted; false when it, or a later one, was accepted before.</returns>
    Task<bool> TryConsumeAsync(string userId, long step, CancellationToken ct);

    /// <summary>Forgets the user's last accepted step; call it when the authenticator key is replaced.</summary>
    Task ResetAsync(string userId, CancellationToken ct);
}
