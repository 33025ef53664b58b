using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Account;

/// <summary>Authentication method references (RFC 8176) that the flow records in the session and the tokens.</summary>
public static class AuthenticationMethods
{
    public const string ClaimType = "amr";
    public const string Password = "pwd";
    public const string OneTimePassword = "otp";
    public const string MultiFactor = "mfa";

    public static readonly IReadOnlyList<string> PasswordOnly = [Password];
    public static readonly IReadOnlyList<string> PasswordAndTotp = [Password, OneTimePassword, MultiFactor];
    public static readonly IReadOnlyList<string> PasswordAndRecoveryCode = [Password, MultiFactor];
}

/// <summary>
/// The end of the flow: the Identity application cookie, carrying how the person authenticated (the
/// <c>amr</c> claims that <c>connect/authorize</c> checks and copies into the tokens), replaces the pending state.
/// </summary>
public sealed class SignInCompletion(
    SignInManager<PlatformUser> signIn,
    LockoutBackoff lockout,
    SignInAudit audit,
    TimeProvider time)
{
    public async Task CompleteAsync(HttpContext context, PlatformUser user, IReadOnlyList<string> methods)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(methods);
        user.LastSignInAt = time.GetUtcNow();
        // 13.2.2d: a completed sign-in ends the lockout series, so the next lockout starts at one minute again.
        await lockout.ResetAsync(user);
        await signIn.SignInWithClaimsAsync(user, isPersistent: false,
            [.. methods.Select(method => new Claim(AuthenticationMethods.ClaimType, method))]);
        await PendingSignIn.ClearAsync(context);
        await audit.SignInSucceededAsync(user, methods);
    }
}
