using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace SaaSReference.Identity.Security;

/// <summary>
/// The authenticator-app (TOTP) two-factor provider of the platform, in place of ASP.NET Core Identity's
/// <c>AuthenticatorTokenProvider</c>, which accepts codes from about 90 seconds either side and accepts the same
/// code again (aspnetcore issue 14423). This one allows at most one step of clock drift either side and accepts
/// a step only when it is later than the last one accepted for the user, so a code works once and an older
/// code is refused after a newer one was used (RFC 6238 sections 5.2 and 6; 9.2.3a, 13.2.2d).
/// </summary>
public sealed class ReplayProtectedTotpProvider<TUser>(ITotpStepStore steps, TimeProvider time)
    : IUserTwoFactorTokenProvider<TUser>
    where TUser : class
{
    /// <summary>The name under which the provider is registered.</summary>
    public const string ProviderName = "ReplayProtectedAuthenticator";

    // RFC 6238 section 6 recommends at most one step of backward drift; one forward covers a fast phone clock.
    private const int AllowedDriftSteps = 1;

    /// <summary>Returns an empty string: the user's authenticator app generates the codes, the server never does.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<TUser> manager, TUser user) => Task.FromResult(string.Empty);

    /// <summary>True when the user has an authenticator key.</summary>
    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<TUser> manager, TUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));
    }

    /// <summary>
    /// True when <paramref name="token"/> is the code of the current step, or of one step before or after, and
    /// that step is later than the last step accepted for the user; the step is then recorded as used.
    /// </summary>
    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<TUser> manager, TUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var code = Normalize(token);
        if (code is null)
        {
            return false;
        }

        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrWhiteSpace(key))
        {
            return false;
        }

        byte[] secret;
        try
        {
            secret = Totp.FromBase32(key);
        }
        catch (FormatException)
        {
            return false;
        }

        long? matched;
        try
        {
            matched = MatchStep(secret, code, Totp.StepAt(time.GetUtcNow()));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        if (matched is not { } step)
        {
            return false;
        }

        // Only a matching code touches the store, so wrong guesses cannot move a user's last step forward.
        var userId = await manager.GetUserIdAsync(user);
        return await steps.TryConsumeAsync(userId, step, CancellationToken.None);
    }

    // Six ASCII digits; spaces are dropped because apps show the code as "123 456" and people type it so.
    private static byte[]? Normalize(string? token)
    {
        if (token is null)
        {
            return null;
        }
        var digits = token.Replace(" ", string.Empty, StringComparison.Ordinal);
        return digits.Length == Totp.Digits && digits.All(char.IsAsciiDigit) ? Encoding.ASCII.GetBytes(digits) : null;
    }

    // Every candidate step is computed and compared in constant time, so the timing shows neither whether nor
    // which step matched. The latest matching step wins: recording a later step never accepts anything extra.
    private static long? MatchStep(byte[] secret, byte[] code, long now)
    {
        long? matched = null;
        for (var step = now - AllowedDriftSteps; step <= now + AllowedDriftSteps; step++)
        {
            if (step < 0)
            {
                continue;
            }
            var expected = Encoding.ASCII.GetBytes(Totp.Compute(secret, step));
            if (CryptographicOperations.FixedTimeEquals(expected, code))
            {
                matched = step;
            }
        }
        return matched;
    }
}
