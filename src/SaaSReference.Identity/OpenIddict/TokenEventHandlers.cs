using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using SaaSReference.Identity.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>Raises <see cref="SecurityEventTypes.TokenIssued"/> once OpenIddict has generated the tokens of a sign-in.</summary>
public sealed class TokenIssuedHandler(ISecurityEventSink sink) : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseScopedHandler<TokenIssuedHandler>()
            // After every built-in step that can still refuse the sign-in.
            .SetOrder(OpenIddictServerHandlers.AttachCustomSignInParameters.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsRejected)
        {
            return;
        }
        var issued = new List<string>();
        if (context.AccessToken is not null) issued.Add("access_token");
        if (context.RefreshToken is not null) issued.Add("refresh_token");
        if (context.IdentityToken is not null) issued.Add("id_token");
        if (context.AuthorizationCode is not null) issued.Add("authorization_code");
        if (issued.Count == 0)
        {
            return;
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tokens"] = string.Join(',', issued),
            ["scopes"] = string.Join(' ', context.Principal?.GetScopes() ?? []),
        };
        if (context.Request?.GrantType is { } grantType)
        {
            details["grant_type"] = grantType;
        }
        await sink.RaiseAsync(TokenEvents.For(SecurityEventTypes.TokenIssued, context.Principal, context.Request?.ClientId, details),
            context.CancellationToken);
    }
}

/// <summary>Raises <see cref="SecurityEventTypes.TokenRevoked"/> when a client revoked one of its tokens.</summary>
public sealed class TokenRevokedHandler(ISecurityEventSink sink) : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseScopedHandler<TokenRevokedHandler>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsRejected)
        {
            return;
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["reason"] = "revocation-request",
            ["token_type"] = context.GenericTokenPrincipal?.GetTokenType() ?? "unknown",
        };
        await sink.RaiseAsync(TokenEvents.For(SecurityEventTypes.TokenRevoked, context.GenericTokenPrincipal, context.Request?.ClientId, details),
            context.CancellationToken);
    }
}

internal static class TokenEvents
{
    /// <summary>An event about the tokens of <paramref name="principal"/>; a machine client's subject is its client id, not a user.</summary>
    public static SecurityEvent For(string type, ClaimsPrincipal? principal, string? clientId, Dictionary<string, string> details)
    {
        var subject = principal?.GetClaim(Claims.Subject);
        var userId = subject is not null && subject != clientId ? subject : null;
        return new SecurityEvent(type, userId, principal?.GetClaim(PlatformScopes.TenantIdClaim), clientId,
            SecurityEventOutcomes.Success, details);
    }
}
