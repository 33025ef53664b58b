using Microsoft.AspNetCore.Identity;

namespace SaaSReference.Identity.Data;

/// <summary>
/// A person who signs in. A tenant user belongs to exactly one tenant (<see cref="TenantId"/>, fixed at
/// creation and carried as the <c>tenant_id</c> claim in every token); a platform operator belongs to none
/// and carries platform roles instead.
/// </summary>
public sealed class PlatformUser : IdentityUser
{
    /// <summary>The user's tenant, or null for platform staff (operators, approvers, auditors).</summary>
    public string? TenantId { get; set; }

    public string DisplayName { get; set; } = "";

    /// <summary>Set when the stored password no longer meets the policy (or an administrator reset it): the next sign-in must change it first.</summary>
    public bool PasswordChangeRequired { get; set; }

    /// <summary>How many lockouts in a row this account has had; each one lasts longer (backoff). Reset by a successful sign-in.</summary>
    public int ConsecutiveLockouts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}
