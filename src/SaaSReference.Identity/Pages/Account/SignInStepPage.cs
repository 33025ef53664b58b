using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// A page of the flow after the password. It serves only when it is the current step of the pending sign-in,
/// so a later page cannot be reached by skipping an earlier one (9.2.4a before 9.2.3a before any token). A tenant
/// frozen (quarantine included) or terminated while its person is between the password and the last step ends the
/// pending sign-in (12.1.3c, 12.2.1b/g).
/// </summary>
public abstract class SignInStepPage(UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion,
    TenantSuspension suspension) : PageModel
{
    protected UserManager<PlatformUser> Users => users;

    protected TenantSuspension Suspension => suspension;

    protected SignInCompletion Completion => completion;

    /// <summary>Where to go after the sign-in: normally back to connect/authorize. Never secret (13.2.2d).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The person of the pending sign-in, once <see cref="EnterAsync"/> returned null.</summary>
    protected PlatformUser CurrentUser { get; set; } = null!;

    /// <summary>Null when <paramref name="step"/> is the current step; otherwise where the person must go instead.</summary>
    protected async Task<IActionResult?> EnterAsync(SignInStep step)
    {
        var pending = await PendingSignIn.ReadAsync(HttpContext);
        var user = pending is null ? null : await users.FindByIdAsync(pending.UserId);
        if (user is null)
        {
            return Redirect(AccountPaths.To(Request, AccountPaths.Tenant, ReturnUrl));
        }
        // 12.1.3c, 12.2.1b/g: checked at every step after the password, so a freeze during the flow stops it; the
        // sign-in page for the tenant then says why.
        if (await suspension.RefuseSignInAsync(user.TenantId, user.Id, TenantSuspension.Steps.PendingSignIn, HttpContext.RequestAborted))
        {
            await PendingSignIn.ClearAsync(HttpContext);
            return Redirect(SignInModel.UrlFor(Request, user.TenantId, ReturnUrl));
        }
        CurrentUser = user;
        var next = await steps.NextAsync(user, HttpContext.RequestAborted);
        return next == step ? null : await GoToAsync(user, next);
    }

    /// <summary>The next step's page, or, when none is left, the completed sign-in and the return URL.</summary>
    protected async Task<IActionResult> ContinueAsync(PlatformUser user) =>
        await GoToAsync(user, await steps.NextAsync(user, HttpContext.RequestAborted));

    /// <summary>Signs the person in with how they authenticated, and goes back to the return URL.</summary>
    protected async Task<IActionResult> CompleteAsync(PlatformUser user, IReadOnlyList<string> methods)
    {
        await completion.CompleteAsync(HttpContext, user, methods);
        return Redirect(SafeReturnUrl);
    }

    protected string SafeReturnUrl => AccountPaths.SafeReturnUrl(Request, ReturnUrl);

    private async Task<IActionResult> GoToAsync(PlatformUser user, SignInStep next) => next == SignInStep.Done
        ? await CompleteAsync(user, AuthenticationMethods.PasswordOnly)
        : Redirect(AccountPaths.To(Request, SignInSteps.PathOf(next), ReturnUrl));
}
