using System.Globalization;
using Microsoft.AspNetCore.Authentication;

namespace SaaSReference.Gateway.Session;

public enum AccessTokenStatus
{
    Valid,
    /// <summary>The session is over (refresh refused, or the session vanished); it has been removed.</summary>
    Ended,
    /// <summary>A refresh was needed but the identity service could not be reached; the session is kept.</summary>
    Unavailable,
}

public sealed record SessionAccessToken(AccessTokenStatus Status, string? Token = null);

/// <summary>The access token of the signed-in session, refreshed shortly before it expires and stored back.</summary>
public sealed class SessionTokens(PostgresTicketStore store, TokenRefresher refresher, TimeProvider time)
{
    private const string AccessToken = "access_token";
    private const string RefreshToken = "refresh_token";
    private const string IdToken = "id_token";
    private const string ExpiresAt = "expires_at";

    public async Task<SessionAccessToken> GetAccessTokenAsync(HttpContext context, AuthenticationProperties session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        if (!NeedsRefresh(session))
        {
            return new(AccessTokenStatus.Valid, session.GetTokenValue(AccessToken));
        }
        if (context.Features.Get<SessionKeyFeature>() is not { } sessionKey)
        {
            return new(AccessTokenStatus.Ended);
        }

        var result = new SessionAccessToken(AccessTokenStatus.Ended);
        // Not the request's token: once the identity service has rotated the refresh token, the new one must be
        // stored even if the browser gave up waiting, or the next refresh would reuse the old one.
        await store.UpdateAsync(sessionKey.Key, async (ticket, cancellationToken) =>
        {
            // Under the row lock: another request (or gateway instance) may have refreshed while this one waited.
            if (!NeedsRefresh(ticket.Properties))
            {
                result = new(AccessTokenStatus.Valid, ticket.Properties.GetTokenValue(AccessToken));
                return ticket;
            }

            var refreshed = await refresher.RefreshAsync(ticket.Properties.GetTokenValue(RefreshToken), cancellationToken);
            switch (refreshed.Outcome)
            {
                case RefreshOutcome.Refreshed:
                    Apply(ticket.Properties, refreshed);
                    result = new(AccessTokenStatus.Valid, refreshed.AccessToken);
                    return ticket;
                case RefreshOutcome.Unavailable:
                    result = new(AccessTokenStatus.Unavailable);
                    return ticket;
                default:
                    result = new(AccessTokenStatus.Ended);
                    return null;
            }
        }, CancellationToken.None);
        return result;
    }

    private bool NeedsRefresh(AuthenticationProperties properties)
    {
        if (string.IsNullOrEmpty(properties.GetTokenValue(AccessToken)))
        {
            return true;
        }
        // No expiry known: nothing to go by; the silo will say when the token no longer holds.
        return DateTimeOffset.TryParse(properties.GetTokenValue(ExpiresAt), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt)
            && expiresAt - time.GetUtcNow() <= SessionDefaults.RefreshBefore;
    }

    private static void Apply(AuthenticationProperties properties, RefreshResult refreshed)
    {
        var tokens = properties.GetTokens().ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal);
        tokens[AccessToken] = refreshed.AccessToken!;
        // Rotation: a new refresh token replaces the old one; an identity service that does not rotate sends none.
        if (!string.IsNullOrEmpty(refreshed.RefreshToken))
        {
            tokens[RefreshToken] = refreshed.RefreshToken;
        }
        if (!string.IsNullOrEmpty(refreshed.IdToken))
        {
            tokens[IdToken] = refreshed.IdToken;
        }
        tokens.Remove(ExpiresAt);
        if (refreshed.ExpiresAt is { } expiresAt)
        {
            // The format the OpenID Connect handler uses when it saves the tokens at sign-in.
            tokens[ExpiresAt] = expiresAt.ToString("o", CultureInfo.InvariantCulture);
        }
        properties.StoreTokens(tokens.Select(t => new AuthenticationToken { Name = t.Key, Value = t.Value }));
    }
}
