using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>The provider's window and replay rules (RFC 6238 5.2 and 6; 9.2.3a, 13.2.2d).</summary>
public sealed class ReplayProtectedTotpProviderTests : TotpProviderTestBase
{
    [Fact]
    public async Task Provider_CodeForCurrentStep_Accepted()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();

        Assert.True(await VerifyAsync(user, Totp.Compute(secret, Now)));
    }

    [Fact]
    public async Task Provider_SameCodeTwice_SecondRefused()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();
        var code = Totp.Compute(secret, Now);

        Assert.True(await VerifyAsync(user, code));
        Assert.False(await VerifyAsync(user, code));
    }

    [Fact]
    public async Task Provider_CodeFromOneStepAgo_AcceptedOnce()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();
        var code = Totp.Compute(secret, Now - 1);

        Assert.True(await VerifyAsync(user, code));
        Assert.False(await VerifyAsync(user, code));
    }

    [Fact]
    public async Task Provider_CodeFromOneStepAhead_Accepted()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();

        Assert.True(await VerifyAsync(user, Totp.Compute(secret, Now + 1)));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    [InlineData(-3)]
    public async Task Provider_CodeTwoOrMoreStepsAway_Refused(int offset)
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();

        Assert.False(await VerifyAsync(user, Totp.Compute(secret, Now + offset)));
        // Refused for the window, not because something was consumed: the current code still works.
        Assert.True(await VerifyAsync(user, Totp.Compute(secret, Now)));
    }

    [Fact]
    public async Task Provider_OlderCodeAfterNewerAccepted_Refused()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();

        Assert.True(await VerifyAsync(user, Totp.Compute(secret, Now)));
        Assert.False(await VerifyAsync(user, Totp.Compute(secret, Now - 1)));
    }

    [Fact]
    public async Task Provider_NextStepAfterCurrentAccepted_Accepted()
    {
        var (user, secret) = await Identity.CreateUserWithKeyAsync();
        Assert.True(await VerifyAsync(user, Totp.Compute(secret, Now)));

        Clock.Now = Clock.Now.AddSeconds(Totp.StepSeconds);

        Assert.True(await VerifyAsync(user, Totp.Compute(secret, Now + 1)));
    }
}
