using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>9.2.3a: one of the recovery codes shown at enrollment, each usable once.</summary>
[EnableRateLimiting(MfaRateLimit.PolicyName)]
public sealed class MfaRecoveryModel(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, TenantSuspension suspension,
    SecondFactor factor)
    : SecondFactorPage(users, steps, completion, suspension)
{
    public const string GenericFailure =
        "That recovery code was not accepted. Each recovery code works once. After several wrong codes sign-in is paused for a while.";

    protected override string FailureMessage => GenericFailure;

    protected override IReadOnlyList<string> Methods => AuthenticationMethods.PasswordAndRecoveryCode;

    protected override Task<bool> AcceptAsync(PlatformUser user, string code) => factor.RedeemRecoveryCodeAsync(user, code);
}
