using Microsoft.AspNetCore.Identity;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Account;

/// <summary>
/// Lockout with backoff (13.2.2d): after <see cref="MaxFailedAttempts"/> failed passwords or one-time codes in a
/// row the account is locked, for 1 minute the first time and twice as long each following time, up to one hour.
/// A completed sign-in resets the series (<see cref="ResetAsync"/>).
/// </summary>
public sealed class LockoutBackoff(UserManager<PlatformUser> users, TimeProvider time)
{
    public const int MaxFailedAttempts = 5;

    public static readonly TimeSpan First = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan Longest = TimeSpan.FromHours(1);

    /// <summary>The length of the <paramref name="lockout"/>-th lockout in a row (1-based).</summary>
    public static TimeSpan Duration(int lockout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lockout, 1);
        // 2^6 minutes already exceeds the cap; the clamp keeps the shift from overflowing on long series.
        var minutes = 1L << Math.Min(lockout - 1, 6);
        return TimeSpan.FromMinutes(Math.Min(minutes, Longest.TotalMinutes));
    }

    /// <summary>
    /// Counts one failed attempt (a wrong password or code). Returns true when this attempt locked the account;
    /// the lockout then lasts <see cref="Duration"/> of the new series length instead of Identity's fixed time.
    /// </summary>
    public async Task<bool> RecordFailureAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await users.IsLockedOutAsync(user))
        {
            return false;
        }
        await users.AccessFailedAsync(user);
        if (!await users.IsLockedOutAsync(user))
        {
            return false;
        }
        user.ConsecutiveLockouts++;
        await users.SetLockoutEndDateAsync(user, time.GetUtcNow() + Duration(user.ConsecutiveLockouts));
        return true;
    }

    /// <summary>After a completed sign-in: no failed attempts, no lockout series (saved with the user).</summary>
    public async Task ResetAsync(PlatformUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        user.ConsecutiveLockouts = 0;
        // ResetAccessFailedCountAsync saves nothing when the count is already zero, hence the explicit update.
        await users.ResetAccessFailedCountAsync(user);
        await users.UpdateAsync(user);
    }
}
