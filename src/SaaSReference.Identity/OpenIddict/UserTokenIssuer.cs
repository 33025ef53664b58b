using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Authorization;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// Tokens for people, when a client redeems an authorization code or a refresh token. The claims are built
/// afresh from the account (PlatformClaims, as at sign-in) rather than copied from the old token, so a removed
/// role or a locked account takes effect at the next refresh, at most one access-token lifetime later.
/// </summary>
public sealed class UserTokenIssuer(UserManager<PlatformUser> users, PlatformClaims claims, MfaRequirement mfa,
    TenantSuspension suspension, IOpenIddictAuthorizationManager authorizations, TokenLifetimes lifetimes, TimeProvider time)
{
    public async Task<IResult> ReissueAsync(OpenIddictRequest request, ClaimsPrincipal original, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(original);
        var user = original.GetClaim(Claims.Subject) is { Length: > 0 } subject ? await users.FindByIdAsync(subject) : null;
        if (user is null)
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, "The account no longer exists.");
        }
        if (await users.IsLockedOutAsync(user))
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, "The account is locked.");
        }
        // A user's tenant is fixed at creation; a token whose tenant differs from the account's is not this account's.
        if (!string.Equals(user.TenantId, original.GetClaim(PlatformScopes.TenantIdClaim), StringComparison.Ordinal))
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, "The account no longer belongs to the tenant of this grant.");
        }
        // 12.1.3c, 12.2.1b/g: a frozen or terminated tenant's people get no tokens: neither a code redeemed after the
        // freeze nor a refresh of a session begun before it. Quarantine (a security suspension) is a freeze: refused here too.
        if (await suspension.RefuseTokenAsync(user.TenantId, user.Id, request.ClientId, request.GrantType, cancellationToken))
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, TenantSuspension.TokenDescription);
        }
        // As at connect/authorize: a reset password blocks every token (9.2.4a), and someone who now needs MFA
        // (given a privileged role since signing in, 9.2.3a) cannot carry a password-only session into it.
        if (user.PasswordChangeRequired)
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, "The password must be changed first; sign in again.");
        }
        var methods = original.GetClaims(Claims.AuthenticationMethodReference);
        if (!methods.Contains(AuthenticationMethods.MultiFactor) && await mfa.IsRequiredAsync(user, cancellationToken))
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, "Multi-factor authentication is required; sign in again.");
        }
        var remaining = await RemainingChainLifetimeAsync(original, cancellationToken);
        if (remaining <= TimeSpan.Zero)
        {
            return TokenEndpoint.Refuse(Errors.InvalidGrant, "The session has reached its maximum lifetime; sign in again.");
        }

        // The scopes granted at sign-in, never more (OpenIddict refuses a refresh that asks for others).
        var principal = await claims.CreatePrincipalAsync(user, original.GetScopes(), methods);
        // Sliding, but never past the absolute limit of the chain.
        principal.SetRefreshTokenLifetime(remaining < lifetimes.RefreshTokenSliding ? remaining : lifetimes.RefreshTokenSliding);
        return TokenEndpoint.Issue(principal);
    }

    /// <summary>How long the refresh chain may still live: the absolute limit counted from the authorization's creation (the sign-in).</summary>
    private async Task<TimeSpan> RemainingChainLifetimeAsync(ClaimsPrincipal original, CancellationToken cancellationToken)
    {
        var authorization = original.GetAuthorizationId() is { Length: > 0 } id
            ? await authorizations.FindByIdAsync(id, cancellationToken)
            : null;
        var created = authorization is null ? null : await authorizations.GetCreationDateAsync(authorization, cancellationToken);
        // OpenIddict attaches an authorization to every code and refresh token; one without is not ours to extend.
        return created is { } start ? start + lifetimes.RefreshTokenAbsolute - time.GetUtcNow() : TimeSpan.Zero;
    }
}
