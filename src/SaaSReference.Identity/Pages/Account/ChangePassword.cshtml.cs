using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// 9.2.4a: a new password of the strength the policy requires. Forced in the middle of a sign-in when the
/// password no longer meets the policy (6.2.1d), and open to anyone signed in.
/// </summary>
public sealed class ChangePasswordModel(
    UserManager<PlatformUser> users, SignInManager<PlatformUser> signIn, SignInSteps steps,
    SignInCompletion completion, TenantSuspension suspension, LockoutBackoff lockout, SignInAudit audit)
    : SignInStepPage(users, steps, completion, suspension)
{
    private PlatformSession? _session;

    [BindProperty]
    public string CurrentPassword { get; set; } = "";

    [BindProperty]
    public string NewPassword { get; set; } = "";

    [BindProperty]
    public string ConfirmPassword { get; set; } = "";

    /// <summary>True in the middle of a sign-in, false for someone signed in already.</summary>
    public bool Required { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is { } elsewhere)
        {
            return elsewhere;
        }
        var user = CurrentUser;
        if (NewPassword != ConfirmPassword)
        {
            ModelState.AddModelError(nameof(ConfirmPassword), "The new password and its confirmation are different.");
            return Page();
        }
        if (await Users.IsLockedOutAsync(user))
        {
            ModelState.AddModelError(string.Empty, SignInModel.GenericFailure);
            return Page();
        }
        var result = await Users.ChangePasswordAsync(user, CurrentPassword, NewPassword);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Code == nameof(IdentityErrorDescriber.PasswordMismatch)
                    ? "The current password is not right." : error.Description);
            }
            if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)) && await lockout.RecordFailureAsync(user))
            {
                await audit.LockedOutAsync(user);
            }
            return Page();
        }

        user.PasswordChangeRequired = false;
        await Users.UpdateAsync(user);
        await audit.PasswordChangedAsync(user, Required);
        if (Required)
        {
            return await ContinueAsync(user);
        }
        // The change renewed the security stamp, so the session cookie is issued again, with all its amr claims
        // (RefreshSignInAsync would keep only the first, and a privileged user would lose the MFA of the session).
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [.. _session!.Principal.FindAll(AuthenticationMethods.ClaimType)]);
        return Redirect(Request.PathBase + AccountPaths.Home);
    }

    // The pending sign-in when there is one (it must be at this step), otherwise the signed-in person.
    private async Task<IActionResult?> LoadAsync()
    {
        if (await PendingSignIn.ReadAsync(HttpContext) is not null)
        {
            Required = true;
            return await EnterAsync(SignInStep.ChangePassword);
        }
        if (await PlatformSession.ReadAsync(HttpContext, Users) is not { } session)
        {
            return Redirect(AccountPaths.To(Request, AccountPaths.Tenant, ReturnUrl));
        }
        (CurrentUser, _session) = (session.User, session);
        return null;
    }
}
