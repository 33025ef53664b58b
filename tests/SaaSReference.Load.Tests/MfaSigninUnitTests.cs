using System.Text;
using SaaSReference.Load.Browser;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Progress;
using SaaSReference.Load.Scenarios;

namespace SaaSReference.Load.Tests;

/// <summary>
/// The pieces of signin's MFA variant that need no stack: the runner's own RFC 6238 codes against the RFC's test
/// vectors, the person pool's rule that nobody sends a code twice in one TOTP step (9.2.3a), and the engine's admission.
/// </summary>
public sealed class MfaSigninUnitTests
{
    private static readonly byte[] RfcKey = Encoding.ASCII.GetBytes("12345678901234567890");

    // RFC 6238 appendix B, HMAC-SHA1, 8 digits.
    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Totp_MatchesTheRfc6238TestVectors(long unixSeconds, string expected)
    {
        var step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        Assert.Equal(expected, Totp.Code(RfcKey, step, digits: 8));
        // Six digits are the same value modulo 10^6.
        Assert.Equal(expected[2..], Totp.Code(RfcKey, step));
    }

    // RFC 4648 section 10.
    [Theory]
    [InlineData("", "")]
    [InlineData("MY======", "f")]
    [InlineData("MZXQ====", "fo")]
    [InlineData("MZXW6===", "foo")]
    [InlineData("MZXW6YQ=", "foob")]
    [InlineData("MZXW6YTB", "fooba")]
    [InlineData("mzxw 6ytb oi", "foobar")]
    public void Base32_DecodesTheRfc4648TestVectors(string text, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(Totp.FromBase32(text)));

    [Fact]
    public void Base32_RefusesOtherCharacters() => Assert.Throws<FormatException>(() => Totp.FromBase32("MZ1W"));

    [Fact]
    public void Pool_LendsEachPersonOncePerStep_AndAgainInTheNextStep()
    {
        var time = new ManualTime(Totp.StartOf(1000) + TimeSpan.FromSeconds(5));
        var users = Users(3);
        var pool = new MfaUserPool(users, time);

        var leases = new[] { pool.TryAcquire(), pool.TryAcquire(), pool.TryAcquire() };
        Assert.All(leases, Assert.NotNull);
        Assert.Equal(3, leases.Select(l => l!.User.Index).Distinct().Count());
        Assert.Null(pool.TryAcquire());
        foreach (var lease in leases)
        {
            Assert.Equal(Totp.Code(lease!.User.Key!, 1000), lease.NextCode());
            lease.Dispose();
        }
        // Every code of step 1000 was sent: nobody again before step 1001.
        Assert.Null(pool.TryAcquire());

        time.Now = Totp.StartOf(1001);
        var again = pool.TryAcquire();
        Assert.NotNull(again);
        Assert.Equal(Totp.Code(again.User.Key!, 1001), again.NextCode());
    }

    [Fact]
    public void Pool_APersonWhoSentNoCode_IsFreeAgainInTheSameStep_AndTheUnenrolledAreNeverLent()
    {
        var time = new ManualTime(Totp.StartOf(2000));
        var users = Users(2);
        users[1].Key = null;
        var pool = new MfaUserPool(users, time);

        var lease = pool.TryAcquire();
        Assert.Equal(0, lease!.User.Index);
        Assert.Null(pool.TryAcquire());
        lease.Dispose();
        lease.Dispose();
        Assert.Equal(0, pool.TryAcquire()!.User.Index);
    }

    [Fact]
    public void Pool_StepAcceptedAtEnrollment_IsNotSentAgain()
    {
        var time = new ManualTime(Totp.StartOf(3000) + TimeSpan.FromSeconds(29));
        var users = Users(1);
        var pool = new MfaUserPool(users, time);
        pool.MarkUsed(users[0], 3000);
        Assert.Null(pool.TryAcquire());
        time.Now = Totp.StartOf(3001);
        Assert.NotNull(pool.TryAcquire());
    }

    [Fact]
    public async Task Pool_Admission_GivesUpWhenTheNextStepBeginsAfterTheTimeLeft()
    {
        var time = new ManualTime(Totp.StartOf(4000) + TimeSpan.FromSeconds(10));
        var users = Users(1);
        var pool = new MfaUserPool(users, time);
        var first = await pool.AdmitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.IsType<MfaUserLease>(first);
        ((MfaUserLease)first).NextCode();
        ((MfaUserLease)first).Dispose();

        // 20 s of this step remain and the run has 5: nothing to wait for.
        Assert.Null(await pool.AdmitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(1, pool.GaveUp);
        Assert.Equal(0, pool.Waits);
    }

    [Fact]
    public async Task Engine_Admission_GivesEachIterationWhatWasAdmitted_DisposesIt_AndStopsTheCopyOnNull()
    {
        var admitted = 0;
        var tokens = new List<Token>();
        var seen = new List<object?>();
        var scenario = new Scenario("admitted", [new Step("noop", c =>
        {
            lock (seen)
            {
                seen.Add(c.Admitted);
            }
            return Task.FromResult(StepResult.Ok());
        })], [new KeepConstant(2, TimeSpan.FromSeconds(20))])
        {
            Admission = (timeLeft, _) =>
            {
                Assert.True(timeLeft > TimeSpan.Zero);
                lock (tokens)
                {
                    if (admitted == 7)
                    {
                        return Task.FromResult<object?>(null);
                    }
                    admitted++;
                    var token = new Token();
                    tokens.Add(token);
                    return Task.FromResult<object?>(token);
                }
            },
        };
        var runner = new LoadRunner(new PlainProgress(TextWriter.Null, TimeSpan.FromSeconds(5))) { DrainTime = TimeSpan.FromSeconds(2) };

        var phase = await runner.RunAsync("admitted", [scenario], CancellationToken.None);

        Assert.Equal(7, phase["admitted"].Iterations);
        Assert.Equal(7, phase["admitted"].Steps[0].Ok);
        Assert.Equal(tokens.Cast<object?>().OrderBy(t => t!.GetHashCode()), seen.OrderBy(t => t!.GetHashCode()));
        Assert.All(tokens, t => Assert.True(t.Disposed));
    }

    [Fact]
    public async Task Engine_Admission_IsRefusedForTheOpenModel()
    {
        var scenario = new Scenario("open", [new Step("noop", _ => Task.FromResult(StepResult.Ok()))],
            [new Inject(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))]) { Admission = (_, _) => Task.FromResult<object?>(new object()) };
        var runner = new LoadRunner(new PlainProgress(TextWriter.Null, TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync("open", [scenario], CancellationToken.None));
    }

    private static List<MfaUser> Users(int count) =>
    [
        .. Enumerable.Range(0, count).Select(i => new MfaUser(i, $"u{i}@t.example", "password", $"U {i}")
        {
            Key = Encoding.ASCII.GetBytes($"key-of-user-{i:D8}"),
        }),
    ];

    private sealed class Token : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
