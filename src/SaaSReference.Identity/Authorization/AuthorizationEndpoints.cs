using System.Collections.Immutable;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Pages.Account;
using SaaSReference.Identity.Tenants;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Authorization;

/// <summary>
/// The pass-through authorize and end-session endpoints. OpenIddict has validated the client, the redirect URI
/// and PKCE before these run; they decide who the person is and whether they may have a code.
/// </summary>
public static class AuthorizationEndpoints
{
    public static IEndpointRouteBuilder MapPlatformAuthorization(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapMethods(AccountPaths.Authorize, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).ExcludeFromDescription();
        endpoints.MapMethods(AccountPaths.EndSession, [HttpMethods.Get, HttpMethods.Post], EndSessionAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context, UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, MfaRequirement mfa,
        PlatformClaims claims, TenantSuspension suspension)
    {
        NoStore(context);
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        var session = await PlatformSession.ReadAsync(context, users);
        if (session is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }
            return Results.Redirect(AccountPaths.To(context.Request, AccountPaths.Tenant, ReturnUrlWithoutLoginPrompt(context, request)));
        }

        var (user, amr) = (session.User, session.Methods);
        // 12.1.3c, 12.2.1b/g: a session begun before its tenant was frozen (quarantine included) or terminated yields
        // no code. The session ends, and the person is shown why on the sign-in page (no more than that it is suspended).
        if (await suspension.RefuseSignInAsync(user.TenantId, user.Id, TenantSuspension.Steps.Authorize, context.RequestAborted))
        {
            await signIn.SignOutAsync();
            return request.HasPromptValue(PromptValues.None)
                ? Refuse(Errors.AccessDenied, TenantSuspension.TokenDescription)
                : Results.Redirect(SignInModel.UrlFor(context.Request, user.TenantId, ReturnUrlWithoutLoginPrompt(context, request)));
        }
        // 13.2.2d: a lockout (from wrong codes after this session began) stops new codes too.
        if (await users.IsLockedOutAsync(user))
        {
            return Refuse(Errors.AccessDenied, "The account is locked.");
        }
        // 9.2.4a: a password that must be changed blocks every token, not only the pages.
        if (user.PasswordChangeRequired)
        {
            return Refuse(Errors.AccessDenied, "The password must be changed first.");
        }
        // 9.2.3a: a session that passed only the password never yields a code for someone who needs MFA.
        if (!amr.Contains(AuthenticationMethods.MultiFactor, StringComparer.Ordinal)
            && await mfa.IsRequiredAsync(user, context.RequestAborted))
        {
            return Refuse(Errors.AccessDenied, "Multi-factor authentication is required.");
        }

        var principal = await claims.CreatePrincipalAsync(user, request.GetScopes(), amr);
        return Results.SignIn(principal, properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext context, SignInManager<PlatformUser> signIn)
    {
        NoStore(context);
        await signIn.SignOutAsync();
        await PendingSignIn.ClearAsync(context);
        // OpenIddict sends the browser to the client's registered post_logout_redirect_uri when one was given
        // and is valid for the client; otherwise to the sign-in start page.
        return Results.SignOut(
            new AuthenticationProperties { RedirectUri = context.Request.PathBase + AccountPaths.Tenant },
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    // After the person signs in, the browser comes back here with the same request; prompt=login is dropped so
    // that the fresh sign-in satisfies it instead of starting another one.
    private static string ReturnUrlWithoutLoginPrompt(HttpContext context, OpenIddictRequest request)
    {
        var parameters = request.GetParameters()
            .Where(p => !(p.Key == Parameters.Prompt && request.HasPromptValue(PromptValues.Login)))
            .SelectMany(p => (((ImmutableArray<string?>?)p.Value) ?? []).Select(value => KeyValuePair.Create(p.Key, value)));
        return context.Request.PathBase + context.Request.Path + QueryString.Create(parameters);
    }

    private static void NoStore(HttpContext context) => context.Response.Headers.CacheControl = "no-store"; // 6.2.1c
}
