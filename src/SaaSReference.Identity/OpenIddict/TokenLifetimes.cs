namespace SaaSReference.Identity.OpenIddict;

/// <summary>Token lifetimes (configuration section <c>Identity:Tokens</c>).</summary>
/// <remarks>
/// Why these values: access tokens are JWTs that the silos validate locally with the public keys, so revoking one
/// takes effect only when it expires: 10 minutes bounds that window. Refresh tokens roll (each use returns a new
/// one) and slide: 8 hours covers a working day of activity, and a session idle for longer must sign in again;
/// the 24-hour absolute limit, counted from the sign-in (the authorization's creation), makes a stolen refresh
/// chain useless after a day however actively it is used, and forces MFA again daily for privileged users (9.2.3a).
/// </remarks>
public sealed class TokenLifetimes
{
    public const string Section = "Identity:Tokens";

    public TimeSpan AccessToken { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Each refresh token is valid this long after it is issued (sliding window).</summary>
    public TimeSpan RefreshTokenSliding { get; set; } = TimeSpan.FromHours(8);

    /// <summary>No refresh token outlives the sign-in that started its chain by more than this.</summary>
    public TimeSpan RefreshTokenAbsolute { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a redeemed refresh token may still be used (for clients that race two refreshes). Zero (the
    /// default) means never: a second use is treated as theft and revokes the whole chain (13.2.2d). The gateway,
    /// the only client with refresh tokens, must therefore serialise refreshes per session.
    /// </summary>
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.Zero;

    public TimeSpan AuthorizationCode { get; set; } = TimeSpan.FromMinutes(2);
}
