using Microsoft.Extensions.Options;
using OpenIddict.Server;
using SaaSReference.Identity.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>The OpenID Connect server of the platform: OpenIddict core (EF Core), server and local validation.</summary>
public static class OpenIddictSetup
{
    public static IServiceCollection AddPlatformOpenIddict(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var issuer = configuration["Identity:Issuer"] is { Length: > 0 } configured
            ? new Uri(configured.EndsWith('/') ? configured : configured + "/", UriKind.Absolute)
            : throw new InvalidOperationException("Identity:Issuer is not configured (the public URL of the identity service, e.g. http://127.0.0.1:8080/identity/).");
        var lifetimes = configuration.GetSection(TokenLifetimes.Section).Get<TokenLifetimes>() ?? new TokenLifetimes();
        services.AddSingleton(lifetimes);

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(server =>
            {
                // The issuer is the public URL (through the gateway), whatever host the request arrived on: tokens
                // carry it as iss and validators compare it exactly.
                server.SetIssuer(issuer);
                // Relative to the request's path base (/identity), like every page of the service.
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetUserInfoEndpointUris("connect/userinfo");

                // Code flow only for people, with PKCE required of every client, confidential ones included
                // (RFC 9700 2.1.1: PKCE also stops authorization-code injection). No implicit, hybrid or password flow.
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                // S256 only: "plain" puts the verifier itself in the front channel (RFC 9700 2.1.1).
                server.Configure(options => options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                server.AllowRefreshTokenFlow();
                server.AllowClientCredentialsFlow();
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, PlatformScopes.Api);

                // The silos validate access tokens themselves with the published keys (13.2.2c): a signed, not
                // encrypted JWT. Refresh tokens and codes stay encrypted; only this service reads them.
                server.DisableAccessTokenEncryption();
                server.SetAccessTokenLifetime(lifetimes.AccessToken)
                    .SetRefreshTokenLifetime(lifetimes.RefreshTokenSliding)
                    .SetAuthorizationCodeLifetime(lifetimes.AuthorizationCode)
                    // Rolling refresh tokens are OpenIddict's default; a null leeway makes any second use a theft signal.
                    .SetRefreshTokenReuseLeeway(lifetimes.RefreshTokenReuseLeeway > TimeSpan.Zero ? lifetimes.RefreshTokenReuseLeeway : null);

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    // TLS terminates at the gateway, the only exposed endpoint (9.1.2a); the gateway-to-identity hop
                    // is plain HTTP on the internal network (docs/architecture.md). OpenIddict would otherwise refuse
                    // every request that did not arrive over HTTPS.
                    .DisableTransportSecurityRequirement();

                server.AddEventHandler(PublicDiscoveryEndpoints.Descriptor);
                server.AddEventHandler(NoStoreResponses<OpenIddictServerEvents.ApplyIntrospectionResponseContext>.Descriptor);
                server.AddEventHandler(NoStoreResponses<OpenIddictServerEvents.ApplyUserInfoResponseContext>.Descriptor);
                server.AddEventHandler(TokenIssuedHandler.Descriptor);
                server.AddEventHandler(TokenRevokedHandler.Descriptor);
                server.AddEventHandler(RedeemedTokenReuseHandler.Descriptor);
            })
            .AddValidation(validation =>
            {
                // For the identity service's own API (Api/): same keys, same database, no HTTP round trip.
                validation.UseLocalServer();
                validation.UseAspNetCore();
                validation.AddAudiences(PlatformScopes.ApiResource);
                // Revocation (and a reused refresh token's chain revocation) takes effect here at once.
                validation.EnableAuthorizationEntryValidation();
                validation.EnableTokenEntryValidation();
            });

        services.AddSingleton<CredentialKeyRing>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ServerCredentialsSetup>();
        return services;
    }
}
