using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SaaSReference.Database.Keys;
using SaaSReference.Gateway.Extensions;
using SaaSReference.Gateway.Session;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// Whom an <c>/api</c> request is charged to, from credentials the gateway has checked itself, never from a header
/// that names a tenant (conventions 5). A bearer token is validated exactly as the silo validates it (signature with
/// the identity service's keys from PostgreSQL, issuer, audience, lifetime, <c>at+jwt</c>, the claim rules):
/// otherwise anyone could forge a token naming another tenant and spend that tenant's bucket (12.1.3b). A browser
/// session is the session cookie's server-side ticket. Anything else, invalid tokens included, is anonymous: the
/// gateway refuses nothing here, the silo answers 401.
/// </summary>
internal sealed class CallerResolver
{
    private readonly SigningKeyCache _keys;
    private readonly TokenValidationParameters _parameters;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly bool _sessions;

    public CallerResolver(SigningKeyCache keys, IOptions<GatewayOptions> options, IServiceProvider services)
    {
        var gateway = options.Value;
        var issuer = string.IsNullOrWhiteSpace(gateway.RateLimiting.Issuer) ? gateway.Identity.Authority : gateway.RateLimiting.Issuer;
        _keys = keys;
        _parameters = AccessTokenParameters.Create(issuer, gateway.RateLimiting.Audience, keys);
        _sessions = services.GetService<PostgresTicketStore>() is not null;
    }

    public async ValueTask<Caller> ResolveAsync(HttpContext context)
    {
        var principal = await PrincipalOfAsync(context);
        if (principal is not null && AccessTokenClaims.Reject(principal) is null)
        {
            return AccessTokenClaims.TenantOf(principal) is { } tenant
                ? Caller.Tenant(tenant)
                : Caller.Staff(principal.FindFirst(AccessTokenClaims.Subject)!.Value);
        }
        return Caller.Anonymous(context.Connection.RemoteIpAddress);
    }

    private async ValueTask<ClaimsPrincipal?> PrincipalOfAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        if (authorization.Count > 0)
        {
            // As in the session transform: a request that brings credentials is judged by them alone; the silo
            // sees this token, not the session's.
            return authorization.Count == 1 && AccessTokenParameters.BearerToken(authorization[0]) is { } token
                ? await ValidateAsync(token, context.RequestAborted)
                : null;
        }
        if (_sessions && context.Request.Cookies.ContainsKey(SessionDefaults.CookieName))
        {
            // Read once per request: the session transform's own AuthenticateAsync gets the same cached result.
            var session = await context.AuthenticateAsync(SessionDefaults.CookieScheme);
            return session.Succeeded ? session.Principal : null;
        }
        return null;
    }

    private async Task<ClaimsPrincipal?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        // A token without a readable kid cannot be valid, and cannot make the gateway query the database.
        if (AccessTokenParameters.KeyIdOf(token) is not { } kid)
        {
            return null;
        }
        await _keys.EnsureFreshAsync(kid, cancellationToken);
        var result = await _handler.ValidateTokenAsync(token, _parameters);
        return result.IsValid ? new ClaimsPrincipal(result.ClaimsIdentity) : null;
    }
}
