using System.Globalization;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace SaaSReference.Gateway.Session;

public enum RefreshOutcome
{
    Refreshed,
    /// <summary>The identity service refused (expired, revoked or reused refresh token, or no refresh token).</summary>
    Rejected,
    /// <summary>The identity service could not be asked or did not answer properly.</summary>
    Unavailable,
}

public sealed record RefreshResult(RefreshOutcome Outcome, string? AccessToken = null, string? RefreshToken = null,
    string? IdToken = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// Redeems a refresh token at the identity service's token endpoint (found through discovery), as the same
/// confidential client that signed the user in.
/// </summary>
/// <remarks>
/// The OpenID Connect handler's own backchannel is used on purpose: the shared HTTP client defaults add a
/// resilience handler that retries, and a retried refresh would present a rotated token twice, which the identity
/// service treats as theft and answers by revoking the whole token family.
/// </remarks>
public sealed partial class TokenRefresher(IOptionsMonitor<OpenIdConnectOptions> oidc, TimeProvider time, ILogger<TokenRefresher> logger)
{
    public async Task<RefreshResult> RefreshAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            return new(RefreshOutcome.Rejected);
        }

        var options = oidc.Get(SessionDefaults.OidcScheme);
        try
        {
            var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
            var request = new OpenIdConnectMessage
            {
                GrantType = OpenIdConnectGrantTypes.RefreshToken,
                RefreshToken = refreshToken,
                ClientId = options.ClientId,
                ClientSecret = options.ClientSecret,
            };
            using var content = new FormUrlEncodedContent(request.Parameters);
            using var response = await options.Backchannel.PostAsync(configuration.TokenEndpoint, content, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500)
            {
                LogRejected(logger, status, TryRead(body)?.Error);
                return new(RefreshOutcome.Rejected);
            }

            var message = response.IsSuccessStatusCode ? TryRead(body) : null;
            if (string.IsNullOrEmpty(message?.AccessToken))
            {
                LogUnavailable(logger, $"status {status} without an access token");
                return new(RefreshOutcome.Unavailable);
            }

            DateTimeOffset? expiresAt = int.TryParse(message.ExpiresIn, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? time.GetUtcNow().AddSeconds(seconds)
                : null;
            return new(RefreshOutcome.Refreshed, message.AccessToken, message.RefreshToken, message.IdToken, expiresAt);
        }
        catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Unreachable, timed out, or no discovery document (the configuration manager throws InvalidOperation).
            LogUnavailable(logger, exception.GetType().Name);
            return new(RefreshOutcome.Unavailable);
        }
    }

    private static OpenIdConnectMessage? TryRead(string body)
    {
        try
        {
            return new OpenIdConnectMessage(body);
        }
        catch (Exception exception) when (exception is ArgumentException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // Never the body or a token: only the status and the OAuth error code.
    [LoggerMessage(LogLevel.Warning, "The identity service refused a token refresh (status {Status}, error {Error}); the session ends.")]
    private static partial void LogRejected(ILogger logger, int status, string? error);

    [LoggerMessage(LogLevel.Warning, "Token refresh failed: {Reason}; the session is kept.")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
