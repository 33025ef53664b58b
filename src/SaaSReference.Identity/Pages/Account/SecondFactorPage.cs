using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// A second-factor challenge (9.2.3a, 13.2.2d): one code field; a refused code shows one generic message (wrong,
/// reused, late and locked look alike); an accepted one completes the sign-in with the page's methods.
/// </summary>
public abstract class SecondFactorPage(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, TenantSuspension suspension)
    : SignInStepPage(users, steps, completion, suspension)
{
    [BindProperty]
    public string Code { get; set; } = "";

    protected abstract string FailureMessage { get; }

    protected abstract IReadOnlyList<string> Methods { get; }

    /// <summary>Checks (and uses up) the code.</summary>
    protected abstract Task<bool> AcceptAsync(PlatformUser user, string code);

    public async Task<IActionResult> OnGetAsync() => await EnterAsync(SignInStep.Authenticator) ?? Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await EnterAsync(SignInStep.Authenticator) is { } elsewhere)
        {
            return elsewhere;
        }
        if (!await AcceptAsync(CurrentUser, Code))
        {
            ModelState.AddModelError(nameof(Code), FailureMessage);
            return Page();
        }
        return await CompleteAsync(CurrentUser, Methods);
    }
}
