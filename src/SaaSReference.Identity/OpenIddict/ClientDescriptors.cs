using System.Text.Json;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>The shapes of the platform's OAuth clients, with the least permissions each needs.</summary>
public static class ClientDescriptors
{
    /// <summary>
    /// A tenant's machine client: client credentials at the token endpoint, scope <c>api</c>, and its tenant
    /// recorded with the application (the only source of its tokens' <c>tenant_id</c>).
    /// </summary>
    public static OpenIddictApplicationDescriptor Machine(string clientId, string clientSecret, string tenantId)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = $"Machine client of tenant {tenantId}",
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + PlatformScopes.Api,
            },
        };
        descriptor.Properties[PlatformScopes.TenantIdProperty] = JsonSerializer.SerializeToElement(tenantId);
        return descriptor;
    }

    /// <summary>The gateway (backend for frontend): code flow with PKCE, refresh tokens, sign-out, revocation.</summary>
    public static OpenIddictApplicationDescriptor Gateway(string clientId, string clientSecret,
        IEnumerable<Uri> redirectUris, IEnumerable<Uri> postLogoutRedirectUris)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            // First-party: the platform's own front door, no consent screen.
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "SaaSReference gateway",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.Endpoints.Revocation,
                Permissions.Endpoints.Introspection,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Email,
                Permissions.Prefixes.Scope + PlatformScopes.Api,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        descriptor.RedirectUris.UnionWith(redirectUris);
        descriptor.PostLogoutRedirectUris.UnionWith(postLogoutRedirectUris);
        return descriptor;
    }

    /// <summary>The platform API as a resource server: it may only introspect tokens issued for it.</summary>
    public static OpenIddictApplicationDescriptor ApiResource(string clientId, string clientSecret) => new()
    {
        ClientId = clientId,
        ClientSecret = clientSecret,
        ClientType = ClientTypes.Confidential,
        DisplayName = "SaaSReference API (resource server)",
        Permissions = { Permissions.Endpoints.Introspection },
    };
}
