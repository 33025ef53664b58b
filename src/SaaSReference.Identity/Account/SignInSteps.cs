using Microsoft.AspNetCore.Identity;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Account;

/// <summary>What a person who has passed the password must do next, in this order.</summary>
public enum SignInStep
{
    /// <summary>9.2.4a: the password no longer meets the policy, or an administrator asked for a new one.</summary>
    ChangePassword,

    /// <summary>9.2.3a: MFA is required and no authenticator is enrolled yet.</summary>
    EnrollAuthenticator,

    /// <summary>9.2.3a: MFA is required (or enrolled): a code from the authenticator, or a recovery code.</summary>
    Authenticator,

    /// <summary>Nothing left: the password alone completes the sign-in.</summary>
    Done,
}

/// <summary>
/// Decides the next step from the stored account each time, so that no page can be skipped by going to a later
/// one directly: each page of the flow serves only when it is the current step.
/// </summary>
public sealed class SignInSteps(UserManager<PlatformUser> users, MfaRequirement mfa)
{
    public async Task<SignInStep> NextAsync(PlatformUser user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.PasswordChangeRequired)
        {
            return SignInStep.ChangePassword;
        }
        if (!await mfa.IsRequiredAsync(user, ct))
        {
            return SignInStep.Done;
        }
        var enrolled = await users.GetTwoFactorEnabledAsync(user)
            && !string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user));
        return enrolled ? SignInStep.Authenticator : SignInStep.EnrollAuthenticator;
    }

    /// <summary>The page of a step (Done has none: the caller completes the sign-in).</summary>
    public static string PathOf(SignInStep step) => step switch
    {
        SignInStep.ChangePassword => AccountPaths.ChangePassword,
        SignInStep.EnrollAuthenticator => AccountPaths.MfaEnroll,
        SignInStep.Authenticator => AccountPaths.Mfa,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "The last step has no page."),
    };
}
