using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Microsoft.AspNetCore;
using SaaSReference.Identity.Authorization;
using SaaSReference.Identity.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>
/// Stands in for the sign-in pages in protocol tests: answers an authorize request for the person named in the
/// <see cref="UserHeader"/> header, with the authentication methods of <see cref="MethodsHeader"/>, exactly as the
/// pages would once that person signed in (the principal comes from PlatformClaims). OpenIddict has validated the
/// request (client, redirect URI, PKCE) before this runs. Registered only by <see cref="IdentityFactory"/>.
/// </summary>
public sealed class TestSignIn(UserManager<PlatformUser> users, PlatformClaims claims) : IOpenIddictServerHandler<HandleAuthorizationRequestContext>
{
    public const string UserHeader = "X-Test-Sign-In";
    public const string MethodsHeader = "X-Test-Amr";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleAuthorizationRequestContext>()
            .UseScopedHandler<TestSignIn>()
            .SetOrder(int.MinValue + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleAuthorizationRequestContext context)
    {
        var http = context.Transaction.GetHttpRequest()!;
        var email = http.Headers[UserHeader].ToString();
        var user = string.IsNullOrEmpty(email) ? null : await users.FindByEmailAsync(email);
        if (user is null)
        {
            context.Reject(Errors.AccessDenied, "No test user signed in.");
            return;
        }
        var methods = http.Headers[MethodsHeader].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        context.SignIn(await claims.CreatePrincipalAsync(user, context.Request.GetScopes(), methods.Length > 0 ? methods : ["pwd", "otp", "mfa"]));
    }
}
