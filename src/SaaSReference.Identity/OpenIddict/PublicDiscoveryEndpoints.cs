using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// OpenIddict builds the endpoint URLs of the discovery document from the host the request arrived on. Behind the
/// gateway that is the instance's internal address, which browsers and clients cannot reach; the endpoints are
/// published under the configured issuer (the gateway's public URL) instead, so that every instance advertises
/// the same, public document whatever host name the gateway used (9.1.2a: only the gateway is exposed).
/// </summary>
public sealed class PublicDiscoveryEndpoints : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<PublicDiscoveryEndpoints>()
            // Just before OpenIddict's own handler, which fills only what is still empty.
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        if (options.Issuer is not { } issuer)
        {
            return ValueTask.CompletedTask;
        }
        context.AuthorizationEndpoint = Public(issuer, options.AuthorizationEndpointUris);
        context.TokenEndpoint = Public(issuer, options.TokenEndpointUris);
        context.EndSessionEndpoint = Public(issuer, options.EndSessionEndpointUris);
        context.RevocationEndpoint = Public(issuer, options.RevocationEndpointUris);
        context.IntrospectionEndpoint = Public(issuer, options.IntrospectionEndpointUris);
        context.UserInfoEndpoint = Public(issuer, options.UserInfoEndpointUris);
        context.JsonWebKeySetEndpoint = Public(issuer, options.JsonWebKeySetEndpointUris);
        return ValueTask.CompletedTask;
    }

    // Relative endpoint paths ("connect/token") resolved against the issuer ("http://host/identity/").
    private static Uri? Public(Uri issuer, IReadOnlyList<Uri> endpoints) =>
        endpoints.Count == 0 ? null : endpoints[0].IsAbsoluteUri ? endpoints[0] : new Uri(issuer, endpoints[0].OriginalString.TrimStart('/'));
}
