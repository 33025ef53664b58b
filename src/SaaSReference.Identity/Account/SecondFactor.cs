using Microsoft.AspNetCore.Identity;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Account;

/// <summary>
/// TOTP enrollment and challenge, and recovery codes (9.2.3a, 13.2.2d). Codes are checked by the replay-protected
/// authenticator provider; every wrong code counts toward the lockout like a wrong password, and nothing is
/// checked while the account is locked.
/// </summary>
public sealed class SecondFactor(UserManager<PlatformUser> users, LockoutBackoff lockout, SignInAudit audit)
{
    public const int RecoveryCodeCount = 10;
    private const string Issuer = "SaaSReference";

    /// <summary>A new authenticator key (replacing any unconfirmed one) and its QR code.</summary>
    public async Task<AuthenticatorSetup> BeginEnrollmentAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            // An enrolled authenticator is never replaced from the sign-in flow: whoever has only the password
            // could otherwise put their own in its place.
            throw new InvalidOperationException("The user has an authenticator already.");
        }
        // A fresh key at every visit: a key shown earlier (perhaps to someone else) never becomes the enrolled one.
        await users.ResetAuthenticatorKeyAsync(user);
        return await CurrentSetupAsync(user);
    }

    /// <summary>The unconfirmed key again, to show it with an error after a wrong confirmation code.</summary>
    public async Task<AuthenticatorSetup> CurrentSetupAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key.");
        var account = (user.Email ?? user.UserName ?? user.Id).Replace(":", string.Empty, StringComparison.Ordinal);
        return new AuthenticatorSetup(key, QrCodeSvg.Render(Totp.OtpAuthUri(Issuer, account, Totp.FromBase32(key))));
    }

    /// <summary>Enables MFA when the code matches the new key; returns the recovery codes, to be shown once.</summary>
    public async Task<IReadOnlyList<string>?> ConfirmEnrollmentAsync(PlatformUser user, string? code)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await users.GetTwoFactorEnabledAsync(user) || !await VerifyCodeAsync(user, code))
        {
            return null;
        }
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount);
        await audit.MfaEnrolledAsync(user);
        return [.. codes ?? []];
    }

    /// <summary>True when the code from the authenticator is right, and was not used before.</summary>
    public async Task<bool> VerifyCodeAsync(PlatformUser user, string? code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var ok = !await users.IsLockedOutAsync(user)
            && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code?.Trim() ?? string.Empty);
        return await RecordAsync(user, ok, "authenticator code");
    }

    /// <summary>True when the recovery code is one of the user's unused ones; it is used up.</summary>
    public async Task<bool> RedeemRecoveryCodeAsync(PlatformUser user, string? code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var ok = !await users.IsLockedOutAsync(user)
            && !string.IsNullOrWhiteSpace(code)
            && (await users.RedeemTwoFactorRecoveryCodeAsync(user, code.Trim())).Succeeded;
        return await RecordAsync(user, ok, "recovery code");
    }

    private async Task<bool> RecordAsync(PlatformUser user, bool ok, string what)
    {
        if (ok)
        {
            await audit.MfaSucceededAsync(user, what);
            return true;
        }
        await audit.MfaFailedAsync(user, what);
        if (await lockout.RecordFailureAsync(user))
        {
            await audit.LockedOutAsync(user);
        }
        return false;
    }
}

/// <summary>What the enrollment page shows: the base32 key (for typing) and the same key as a QR code.</summary>
public sealed record AuthenticatorSetup(string Key, string QrSvg);
