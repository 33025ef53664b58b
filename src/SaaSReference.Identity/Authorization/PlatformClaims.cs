using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.OpenIddict;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Authorization;

/// <summary>
/// The claims of a person's tokens, built from the stored account (never from request input), for the authorize
/// endpoint and for the token endpoint when it refreshes. <c>tenant_id</c> comes from the account alone: it is
/// the only source of tenancy that the API trusts (conventions 5).
/// </summary>
public sealed class PlatformClaims(UserManager<PlatformUser> users)
{
    /// <summary>
    /// A principal for OpenIddict: sub, name, email, tenant_id (when the user has a tenant), one role claim per
    /// role and one amr claim per authentication method; the granted <paramref name="scopes"/>, the API resource
    /// when <see cref="PlatformScopes.Api"/> is among them, and the destination of every claim.
    /// </summary>
    public async Task<ClaimsPrincipal> CreatePrincipalAsync(PlatformUser user, IEnumerable<string> scopes, IEnumerable<string> amr)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(amr);

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, string.IsNullOrWhiteSpace(user.DisplayName) ? user.UserName : user.DisplayName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)])
            .SetClaims(Claims.AuthenticationMethodReference, [.. amr.Distinct(StringComparer.Ordinal)]);
        if (user.TenantId is not null)
        {
            identity.SetClaim(PlatformScopes.TenantIdClaim, user.TenantId);
        }

        var granted = scopes.Distinct(StringComparer.Ordinal).ToImmutableArray();
        identity.SetScopes(granted);
        identity.SetResources(granted.Contains(PlatformScopes.Api) ? [PlatformScopes.ApiResource] : []);
        identity.SetDestinations(DestinationsOf);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Where a claim may go: the access token is for the API, the identity token for the client.</summary>
    public static IEnumerable<string> DestinationsOf(Claim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return claim.Type switch
        {
            Claims.Subject or Claims.Name or PlatformScopes.TenantIdClaim or Claims.AuthenticationMethodReference
                => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Role => [Destinations.AccessToken],
            Claims.Email => [Destinations.IdentityToken],
            // The security stamp and anything else Identity adds stay on the server.
            _ => [],
        };
    }
}
