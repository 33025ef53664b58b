using OpenIddict.Abstractions;
using OpenIddict.Server;
using SaaSReference.Identity.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// A refresh token or authorization code presented again after it was redeemed means it was copied (RFC 6749
/// 10.4, 10.5; RFC 9700 4.14.2). OpenIddict then refuses it and revokes every token of its authorization, but
/// deliberately leaves the authorization itself valid. This handler, run just before OpenIddict's check, revokes
/// the authorization too, so that nothing of the stolen grant survives, and records the incident (13.2.2d).
/// </summary>
public sealed class RedeemedTokenReuseHandler(IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations,
    ISecurityEventSink sink) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireTokenStorageEnabled>()
            .UseScopedHandler<RedeemedTokenReuseHandler>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if ((context.TokenId ?? context.Principal?.GetTokenId()) is not { Length: > 0 } tokenId
            || await tokens.FindByIdAsync(tokenId, context.CancellationToken) is not { } token)
        {
            return;
        }
        var type = await tokens.GetTypeAsync(token, context.CancellationToken);
        if (type is not (TokenTypeIdentifiers.RefreshToken or TokenTypeIdentifiers.Private.AuthorizationCode)
            || !await tokens.HasStatusAsync(token, Statuses.Redeemed, context.CancellationToken)
            || await IsWithinReuseLeewayAsync(context, token, type))
        {
            return;
        }

        var authorizationId = await tokens.GetAuthorizationIdAsync(token, context.CancellationToken);
        if (authorizationId is not null && await authorizations.FindByIdAsync(authorizationId, context.CancellationToken) is { } authorization)
        {
            await authorizations.TryRevokeAsync(authorization, context.CancellationToken);
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["reason"] = "redeemed-token-reused",
            ["token_type"] = type,
            ["authorization_id"] = authorizationId ?? "",
        };
        var clientId = context.Request?.ClientId;
        var securityEvent = TokenEvents.For(SecurityEventTypes.TokenRevoked, context.Principal, clientId, details) with
        {
            Outcome = SecurityEventOutcomes.Failure,
        };
        await sink.RaiseAsync(securityEvent, context.CancellationToken);
        // OpenIddict's own handler, next, refuses the token (invalid_grant) and revokes the tokens of the chain.
    }

    // The same rule as OpenIddict's: only a refresh token, and only within the configured leeway.
    private async ValueTask<bool> IsWithinReuseLeewayAsync(ValidateTokenContext context, object token, string type)
    {
        if (type != TokenTypeIdentifiers.RefreshToken || context.Options.RefreshTokenReuseLeeway is not { } leeway)
        {
            return false;
        }
        var redeemed = await tokens.GetRedemptionDateAsync(token, context.CancellationToken);
        return redeemed is null || context.Options.TimeProvider.GetUtcNow() < redeemed + leeway;
    }
}
