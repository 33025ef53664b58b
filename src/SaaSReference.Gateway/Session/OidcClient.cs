using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using SaaSReference.Gateway.Extensions;

namespace SaaSReference.Gateway.Session;

/// <summary>The OpenID Connect handler as the gateway's confidential client of the identity service.</summary>
internal static class OidcClient
{
    private static readonly string[] ClaimsFromAccessToken = ["tenant_id", "role"];

    public static void Configure(OpenIdConnectOptions options, GatewayIdentityOptions identity)
    {
        options.Authority = identity.Authority;
        if (!string.IsNullOrWhiteSpace(identity.MetadataAddress))
        {
            options.MetadataAddress = identity.MetadataAddress;
        }
        // HTTPS is demanded where the discovery document is read over HTTPS anyway; a plain-HTTP authority is the
        // loopback or internal network behind the gateway (13.2.2c), where the silo validates every token itself.
        options.RequireHttpsMetadata = new Uri(string.IsNullOrWhiteSpace(identity.MetadataAddress) ? identity.Authority! : identity.MetadataAddress)
            .Scheme == Uri.UriSchemeHttps;
        options.ClientId = identity.ClientId;
        options.ClientSecret = identity.ClientSecret;

        // Authorization code with PKCE (S256); the identity service requires both. The code comes back by form
        // post, so it appears in no URL, history or access log (13.2.2d).
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        options.Scope.Clear();
        foreach (var scope in SessionDefaults.Scopes)
        {
            options.Scope.Add(scope);
        }

        // Tokens go into the ticket, and the ticket into the server-side store: the browser sees none of them.
        options.SaveTokens = true;
        options.GetClaimsFromUserInfoEndpoint = false;
        options.MapInboundClaims = false;
        options.TokenValidationParameters.NameClaimType = "name";
        options.TokenValidationParameters.RoleClaimType = "role";
        options.SignInScheme = SessionDefaults.CookieScheme;
        options.CallbackPath = "/signin-oidc";
        options.SignedOutCallbackPath = "/signout-callback-oidc";
        options.SignedOutRedirectUri = "/";
        // A refresh that hangs holds the session's row lock: fail it well before a browser would give up.
        options.BackchannelTimeout = TimeSpan.FromSeconds(10);

        // The identity service is served under this same origin (/identity), so its form post back to
        // /signin-oidc is same-site: Lax suffices, and SameAsRequest keeps plain-HTTP loopback use working.
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

        options.Events.OnTokenValidated = async context =>
        {
            await AddClaimsFromAccessToken(context);
            // 9.1.2a, 12.4.3a: the session this sign-in opens, in the audit trail.
            await Audit.SessionAudit.StartedAsync(context.HttpContext, context.Principal);
        };
        options.Events.OnRemoteFailure = async context =>
        {
            // A failed or refused sign-in is a 401 problem, not an exception page (status code pages write it).
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.HandleResponse();
            await Audit.SessionAudit.FailedAsync(context.HttpContext, context.Failure);
        };
    }

    /// <summary>
    /// Tenant and roles for <c>/me</c>, when the id token does not carry them: copied from the access token the
    /// token endpoint just returned over the authenticated backchannel. Display only: the silo decides access
    /// from the access token it validates.
    /// </summary>
    private static Task AddClaimsFromAccessToken(TokenValidatedContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity
            || context.TokenEndpointResponse?.AccessToken is not { } accessToken
            || !new JsonWebTokenHandler().CanReadToken(accessToken))
        {
            return Task.CompletedTask;
        }

        var token = new JsonWebToken(accessToken);
        if (token.IsEncrypted)
        {
            return Task.CompletedTask;
        }
        foreach (var type in ClaimsFromAccessToken.Where(type => !identity.HasClaim(c => c.Type == type)))
        {
            identity.AddClaims(token.Claims.Where(c => c.Type == type).Select(c => new Claim(type, c.Value)));
        }
        return Task.CompletedTask;
    }
}
