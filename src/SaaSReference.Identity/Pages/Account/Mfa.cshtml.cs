using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>9.2.3a: the code from the authenticator app, each code once (13.2.2d).</summary>
[EnableRateLimiting(MfaRateLimit.PolicyName)]
public sealed class MfaModel(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, TenantSuspension suspension,
    SecondFactor factor)
    : SecondFactorPage(users, steps, completion, suspension)
{
    /// <summary>One message for a wrong, reused or late code and for a locked account.</summary>
    public const string GenericFailure =
        "That code was not accepted. Enter the current code from your authenticator app; each code works once. After several wrong codes sign-in is paused for a while.";

    protected override string FailureMessage => GenericFailure;

    protected override IReadOnlyList<string> Methods => AuthenticationMethods.PasswordAndTotp;

    protected override Task<bool> AcceptAsync(PlatformUser user, string code) => factor.VerifyCodeAsync(user, code);
}
