using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.Security;

/// <summary>A UserManager with the platform provider, an in-memory step store and a clock fixed inside one step.</summary>
public abstract class TotpProviderTestBase : IDisposable
{
    protected const long Now = 56_000_000; // a step in 2023; the clock sits 10 s into it
    protected const string Purpose = "TwoFactor";

    protected TotpProviderTestBase()
    {
        Clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Now * Totp.StepSeconds + 10));
        Identity = new TestIdentity(new InMemoryTotpStepStore(), Clock);
    }

    protected ManualTimeProvider Clock { get; }

    protected TestIdentity Identity { get; }

    public void Dispose()
    {
        Identity.Dispose();
        GC.SuppressFinalize(this);
    }

    // Through UserManager and the configured provider name, as sign-in does.
    protected Task<bool> VerifyAsync(TestUser user, string code) =>
        Identity.Users.VerifyTwoFactorTokenAsync(user, Identity.Users.Options.Tokens.AuthenticatorTokenProvider, code);
}
