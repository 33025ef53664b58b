using Microsoft.AspNetCore.Authentication.JwtBearer;
using SaaSReference.Database.Keys;

namespace SaaSReference.Silo.Security;

/// <summary>
/// How the silo validates the identity service's access tokens itself, for every request, whether or not it
/// came through the gateway (9.1.2a, 13.2.2c: internal traffic is authenticated too). The rules themselves are
/// <see cref="AccessTokenParameters"/>, shared with the gateway.
/// </summary>
public static class AccessTokenValidation
{
    public const string IssuerKey = "Identity:Issuer";
    public const string AudienceKey = "Identity:Audience";
    public const string DefaultAudience = AccessTokenParameters.DefaultAudience;

    /// <summary>Tokens may be this far past their expiry (clock drift between the identity hosts and this one).</summary>
    public static TimeSpan ClockSkew => AccessTokenParameters.ClockSkew;

    public static void Configure(JwtBearerOptions options, IConfiguration configuration, SigningKeyCache keys)
    {
        // No Authority or MetadataAddress: keys come from PostgreSQL, never from an HTTP call at run time.
        options.MapInboundClaims = false;
        options.SaveToken = false;
        options.TokenValidationParameters = AccessTokenParameters.Create(configuration[IssuerKey], configuration[AudienceKey], keys);
        options.Events = new JwtBearerEvents
        {
            // The key resolver is synchronous; make sure the cache knows the token's key before it runs.
            // A request without a readable token cannot make the silo query the database.
            OnMessageReceived = context =>
                AccessTokenParameters.KeyIdOf(AccessTokenParameters.BearerToken(context.Request.Headers.Authorization.ToString())) is { } kid
                    ? keys.EnsureFreshAsync(kid, context.HttpContext.RequestAborted).AsTask()
                    : Task.CompletedTask,
            OnTokenValidated = context =>
            {
                if (PlatformClaims.Reject(context.Principal!) is { } reason)
                {
                    context.Fail(reason);
                }
                return Task.CompletedTask;
            },
        };
    }

    /// <inheritdoc cref="AccessTokenParameters.NormalizeIssuer"/>
    public static string? NormalizeIssuer(string? issuer) => AccessTokenParameters.NormalizeIssuer(issuer);
}
