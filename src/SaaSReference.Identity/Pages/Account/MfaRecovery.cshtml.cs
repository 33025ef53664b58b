using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>9.2.3a: one of the recovery codes shown at enrollment, each usable once.</summary>
[EnableRateLimiting(MfaRateLimit.PolicyName)]
public sealed class MfaRecoveryModel(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, SecondFactor factor)
    : SignInStepPage(users, steps, completion)
{
    public const string GenericFailure =
        "That recovery code was not accepted. Each recovery code works once. After several wrong codes sign-in is paused for a while.";

    [BindProperty]
    public string Code { get; set; } = "";

    public async Task<IActionResult> OnGetAsync() => await EnterAsync(SignInStep.Authenticator) ?? Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await EnterAsync(SignInStep.Authenticator) is { } elsewhere)
        {
            return elsewhere;
        }
        if (!await factor.RedeemRecoveryCodeAsync(CurrentUser, Code))
        {
            ModelState.AddModelError(nameof(Code), GenericFailure);
            return Page();
        }
        return await CompleteAsync(CurrentUser, AuthenticationMethods.PasswordAndRecoveryCode);
    }
}
