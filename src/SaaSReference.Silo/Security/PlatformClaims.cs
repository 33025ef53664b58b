using System.Security.Claims;
using SaaSReference.Database.Keys;

namespace SaaSReference.Silo.Security;

/// <summary>
/// Claim names as the identity service (OpenIddict) issues them; inbound mapping is off, so they stay so. The
/// rules live in <see cref="AccessTokenClaims"/>, shared with the gateway.
/// </summary>
public static class PlatformClaims
{
    public const string Subject = AccessTokenClaims.Subject;
    public const string TenantId = AccessTokenClaims.TenantId;
    public const string Role = AccessTokenClaims.Role;

    /// <summary>The header <c>typ</c> of an OAuth 2.0 JWT access token (RFC 9068); ID tokens carry <c>JWT</c>.</summary>
    public static readonly string[] AccessTokenTypes = AccessTokenParameters.AccessTokenTypes;

    /// <summary>Roles that only platform staff hold, never a tenant's user.</summary>
    public static readonly string[] PlatformRoles = AccessTokenClaims.PlatformRoles;

    /// <inheritdoc cref="AccessTokenClaims.Reject"/>
    public static string? Reject(ClaimsPrincipal principal) => AccessTokenClaims.Reject(principal);
}
