using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// 9.2.3a: whoever must use MFA and has no authenticator sets one up here before any token: a new key as a QR
/// code and as text, confirmed with a code, then ten recovery codes shown this once and stored only as hashes.
/// </summary>
[EnableRateLimiting(MfaRateLimit.PolicyName)]
public sealed class MfaEnrollModel(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, TenantSuspension suspension,
    SecondFactor factor)
    : SignInStepPage(users, steps, completion, suspension)
{
    [BindProperty]
    public string Code { get; set; } = "";

    public AuthenticatorSetup? Setup { get; private set; }

    /// <summary>Set once, in the response to a right confirmation code.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public string ContinueUrl => SafeReturnUrl;

    public async Task<IActionResult> OnGetAsync()
    {
        if (await EnterAsync(SignInStep.EnrollAuthenticator) is { } elsewhere)
        {
            return elsewhere;
        }
        Setup = await factor.BeginEnrollmentAsync(CurrentUser);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await EnterAsync(SignInStep.EnrollAuthenticator) is { } elsewhere)
        {
            return elsewhere;
        }
        RecoveryCodes = await factor.ConfirmEnrollmentAsync(CurrentUser, Code);
        if (RecoveryCodes is null)
        {
            ModelState.AddModelError(nameof(Code), MfaModel.GenericFailure);
            Setup = await factor.CurrentSetupAsync(CurrentUser);
            return Page();
        }
        // The codes are rendered in this response rather than after a redirect, so they exist nowhere else.
        await Completion.CompleteAsync(HttpContext, CurrentUser, AuthenticationMethods.PasswordAndTotp);
        return Page();
    }
}
