using System.Security.Claims;
using System.Text.Json;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using SaaSReference.Identity.Tenants;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// Access tokens for machine clients (client credentials). A machine client belongs to one tenant, recorded with
/// the application when it was registered; the token's <c>tenant_id</c> comes from there and never from the
/// request, so a client of tenant A can never obtain a token for tenant B (conventions 5; 9.1.2a).
/// </summary>
public sealed class MachineTokenIssuer(IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes,
    TenantSuspension suspension)
{
    public async Task<IResult> IssueAsync(OpenIddictRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // OpenIddict authenticated the client before the request got here.
        var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken);
        if (application is null)
        {
            return TokenEndpoint.Refuse(Errors.InvalidClient, "The client is unknown.");
        }
        var tenantId = TenantOf(await applications.GetPropertiesAsync(application, cancellationToken));
        if (tenantId is null)
        {
            return TokenEndpoint.Refuse(Errors.UnauthorizedClient, "The client belongs to no tenant.");
        }
        // 12.1.3c: a frozen or terminated tenant's machine clients get no tokens. 12.2.1b/g: quarantine (frozen for a
        // security suspension) blocks the tenant's machine clients in particular; it is a freeze, so this rule covers it.
        if (await suspension.RefuseTokenAsync(tenantId, request.ClientId, request.ClientId, request.GrantType, cancellationToken))
        {
            return TokenEndpoint.Refuse(Errors.UnauthorizedClient, TenantSuspension.TokenDescription);
        }

        // The client's permissions (scp:api) were checked by OpenIddict; only the API scope means anything here.
        var requested = request.GetScopes();
        string[] granted = requested.IsEmpty || requested.Contains(PlatformScopes.Api) ? [PlatformScopes.Api] : [];
        if (granted.Length == 0)
        {
            return TokenEndpoint.Refuse(Errors.InvalidScope, "Machine clients may only request the api scope.");
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, request.ClientId);
        identity.SetClaim(PlatformScopes.TenantIdClaim, tenantId);
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(granted);
        principal.SetResources(await ResourcesAsync(scopes, granted, cancellationToken));
        principal.SetDestinations(static _ => [Destinations.AccessToken]);
        return TokenEndpoint.Issue(principal);
    }

    /// <summary>The tenant recorded in an application's properties (<see cref="PlatformScopes.TenantIdProperty"/>).</summary>
    public static string? TenantOf(IReadOnlyDictionary<string, JsonElement> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return properties.TryGetValue(PlatformScopes.TenantIdProperty, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }

    internal static async Task<List<string>> ResourcesAsync(IOpenIddictScopeManager scopes, IEnumerable<string> names,
        CancellationToken cancellationToken)
    {
        var resources = new List<string>();
        await foreach (var resource in scopes.ListResourcesAsync([.. names], cancellationToken))
        {
            resources.Add(resource);
        }
        return resources;
    }
}
