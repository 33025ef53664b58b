using SaaSReference.Load.Browser;

namespace SaaSReference.Load.Scenarios;

/// <summary>A seeded person of signin's MFA variant: how they sign in, and their authenticator key once enrolled.</summary>
public sealed class MfaUser(int index, string email, string password, string displayName)
{
    public int Index { get; } = index;
    public string Email { get; } = email;
    public string Password { get; } = password;
    public string DisplayName { get; } = displayName;

    /// <summary>The authenticator key read off the enrollment page (base32); null until enrolled.</summary>
    public byte[]? Key { get; set; }
}

/// <summary>
/// Hands out the seeded people round-robin so that nobody signs in twice in one 30-second TOTP step: the identity
/// service accepts a step only when it is later than the last one it accepted for that person (replay refusal,
/// 9.2.3a), so a second sign-in in the same step would be refused however right its code. A person is lent to one
/// sign-in at a time; the step whose code was sent is recorded when the lease ends, and that person is free again
/// from the next step on. When nobody is free, <see cref="AdmitAsync"/> waits for the next step (unmeasured; counted in
/// <see cref="Waits"/>), or gives up when that step begins after the time left.
/// </summary>
public sealed class MfaUserPool
{
    // A little after the step boundary, so that the runner's clock and the service's (the same machine) agree.
    private static readonly TimeSpan BoundaryMargin = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly MfaUser[] _users;
    private readonly long[] _lastStep;
    private readonly bool[] _lent;
    private readonly TimeProvider _time;
    private int _cursor;
    private long _waits;
    private long _waitedTicks;
    private long _gaveUp;

    public MfaUserPool(IReadOnlyList<MfaUser> users, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        _users = [.. users];
        _lastStep = new long[_users.Length];
        Array.Fill(_lastStep, -1);
        _lent = new bool[_users.Length];
        _time = time ?? TimeProvider.System;
    }

    public int Count => _users.Length;

    /// <summary>Times a sign-in waited for the next TOTP step because everybody had signed in in the current one.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>The time those waits took, in all.</summary>
    public TimeSpan Waited => TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks));

    /// <summary>Copies that stopped because the next free step began after the end of their run.</summary>
    public long GaveUp => Interlocked.Read(ref _gaveUp);

    public long CurrentStep => Totp.StepAt(_time.GetUtcNow());

    /// <summary>Records that <paramref name="user"/>'s code of <paramref name="step"/> was accepted outside a lease (enrollment).</summary>
    public void MarkUsed(MfaUser user, long step)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_gate)
        {
            _lastStep[user.Index] = Math.Max(_lastStep[user.Index], step);
        }
    }

    /// <summary>The next person, in turn, who is not signing in now and has not sent a code in the current step; null if nobody.</summary>
    public MfaUserLease? TryAcquire()
    {
        var step = CurrentStep;
        lock (_gate)
        {
            for (var tried = 0; tried < _users.Length; tried++)
            {
                var i = (_cursor + tried) % _users.Length;
                if (!_lent[i] && _lastStep[i] < step && _users[i].Key is not null)
                {
                    _lent[i] = true;
                    _cursor = (i + 1) % _users.Length;
                    return new MfaUserLease(this, _users[i], step);
                }
            }
        }
        return null;
    }

    /// <summary>The engine's admission (<see cref="Engine.Scenario.Admission"/>): a lease, or null when none can be had within <paramref name="timeLeft"/>.</summary>
    public async Task<object?> AdmitAsync(TimeSpan timeLeft, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + timeLeft;
        while (true)
        {
            if (TryAcquire() is { } lease)
            {
                return lease;
            }
            var now = _time.GetUtcNow();
            var next = Totp.StartOf(Totp.StepAt(now) + 1) + BoundaryMargin;
            if (next >= deadline)
            {
                Interlocked.Increment(ref _gaveUp);
                return null;
            }
            Interlocked.Increment(ref _waits);
            Interlocked.Add(ref _waitedTicks, (next - now).Ticks);
            await Task.Delay(next - now, _time, cancellationToken);
        }
    }

    internal void Return(MfaUser user, long? codeStep)
    {
        lock (_gate)
        {
            if (codeStep is { } step)
            {
                _lastStep[user.Index] = Math.Max(_lastStep[user.Index], step);
            }
            _lent[user.Index] = false;
        }
    }

    internal long LastStep(MfaUser user)
    {
        lock (_gate)
        {
            return _lastStep[user.Index];
        }
    }
}

/// <summary>One person lent to one sign-in; disposing it (the engine does, after the iteration) gives them back.</summary>
public sealed class MfaUserLease(MfaUserPool pool, MfaUser user, long acquiredStep) : IDisposable
{
    private long? _codeStep;
    private int _returned;

    public MfaUser User { get; } = user;

    /// <summary>The TOTP step current when the person was lent (their last code was of an earlier one).</summary>
    public long AcquiredStep { get; } = acquiredStep;

    /// <summary>
    /// The code to send now: of the current step, which is later than any this person sent before (the pool lent them
    /// only in a later step than their last, and steps only go forward). Recorded before it is sent: even a request
    /// without an answer may have used it.
    /// </summary>
    public string NextCode()
    {
        var key = User.Key ?? throw new InvalidOperationException($"{User.Email} has no authenticator key.");
        var step = Math.Max(pool.CurrentStep, AcquiredStep);
        if (step <= pool.LastStep(User))
        {
            throw new InvalidOperationException($"{User.Email} already sent the code of step {step}.");
        }
        _codeStep = step;
        return Totp.Code(key, step);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            pool.Return(User, _codeStep);
        }
    }
}
