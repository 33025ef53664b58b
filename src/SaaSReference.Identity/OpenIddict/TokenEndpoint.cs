using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.OpenIddict;

/// <summary>
/// The token endpoint's passthrough: OpenIddict has already authenticated the client and validated the grant
/// (PKCE, redirect URI, code or refresh token, permissions) when a request reaches this handler; what is decided
/// here is who the token is for and what it says.
/// </summary>
public static class TokenEndpoint
{
    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("connect/token", ExchangeAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> ExchangeAsync(HttpContext http, MachineTokenIssuer machines, UserTokenIssuer people)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        if (request.IsClientCredentialsGrantType())
        {
            return await machines.IssueAsync(request, http.RequestAborted);
        }
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var validated = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            return validated.Principal is { } principal
                ? await people.ReissueAsync(request, principal, http.RequestAborted)
                : Refuse(Errors.InvalidGrant, "The authorization code or refresh token is no longer valid.");
        }
        return Refuse(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    /// <summary>An OAuth error response written by OpenIddict (RFC 6749 5.2), not a problem document.</summary>
    internal static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    internal static IResult Issue(System.Security.Claims.ClaimsPrincipal principal) =>
        Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
}
