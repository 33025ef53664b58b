namespace SaaSReference.Identity.Api;

/// <summary>The body of <c>POST /api/users</c>.</summary>
/// <param name="Email">The sign-in name; unique.</param>
/// <param name="DisplayName">The name shown to people.</param>
/// <param name="TenantId">The tenant of the new user, or null for platform staff.</param>
/// <param name="Roles">Names from <c>PlatformRoles</c>; a conflicting set is refused (6.1.2a/c).</param>
/// <param name="Password">The initial password; it must meet the password policy (6.2.1d).</param>
public sealed record CreateUserRequest(string? Email, string? DisplayName, string? TenantId, string[]? Roles, string? Password);

/// <summary>A user as the API shows it (never a password or its hash).</summary>
public sealed record UserResponse(string Id, string Email, string DisplayName, string? TenantId, IReadOnlyList<string> Roles,
    bool PasswordChangeRequired);

/// <summary>The answer of <c>POST /api/users/{id}/reset-password</c>: shown once, to hand to the person.</summary>
public sealed record PasswordResetResponse(string UserId, string TemporaryPassword, bool PasswordChangeRequired);
