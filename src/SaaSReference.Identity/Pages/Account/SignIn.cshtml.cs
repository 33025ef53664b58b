using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// Step two: email and password, for the tenant chosen on the previous page (or as platform staff). A suspended
/// tenant (frozen, quarantined or terminated: 12.1.3c, 12.2.1b/g) is refused before the password is checked, so the
/// answer is the same whether the password was right or not and the page is no password oracle.
/// </summary>
public sealed class SignInModel(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, TenantSuspension suspension,
    PasswordSignIn passwords)
    : SignInStepPage(users, steps, completion, suspension)
{
    /// <summary>13.2.2d: one message for an unknown account, another tenant's account, a wrong password and a lockout.</summary>
    public const string GenericFailure =
        "The tenant, email address or password is not right, or sign-in is paused after too many attempts. Check them and try again later.";

    [BindProperty(SupportsGet = true)]
    public string? Tenant { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Staff { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    public string Email { get; set; } = "";

    [BindProperty]
    [Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    public static string UrlFor(HttpRequest request, string? tenantId, string? returnUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = QueryString.Create(tenantId is null ? "Staff" : "Tenant", tenantId ?? "true");
        if (!string.IsNullOrEmpty(returnUrl))
        {
            query = query.Add("ReturnUrl", returnUrl);
        }
        return request.PathBase + AccountPaths.SignIn + query;
    }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!ChoiceIsValid)
        {
            return Redirect(AccountPaths.To(Request, AccountPaths.Tenant, ReturnUrl));
        }
        // Shown, not refused (no event): a refused step of the flow sends the person here to read why.
        if (await Suspension.IsSuspendedAsync(Staff ? null : Tenant, HttpContext.RequestAborted))
        {
            ModelState.AddModelError(string.Empty, TenantSuspension.Message);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ChoiceIsValid)
        {
            return Redirect(AccountPaths.To(Request, AccountPaths.Tenant, ReturnUrl));
        }
        if (await Suspension.RefuseSignInAsync(Staff ? null : Tenant, null, TenantSuspension.Steps.Password, HttpContext.RequestAborted))
        {
            ModelState.Clear();
            ModelState.AddModelError(string.Empty, TenantSuspension.Message);
            return Page();
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = await passwords.CheckAsync(Staff ? null : Tenant, Email, Password, HttpContext.RequestAborted);
        if (user is null)
        {
            ModelState.AddModelError(string.Empty, GenericFailure);
            return Page();
        }
        await new PendingSignIn(user.Id, user.TenantId).WriteAsync(HttpContext);
        return await ContinueAsync(user);
    }

    private bool ChoiceIsValid => Staff != (Tenant is not null) && (Tenant is null || TenantModel.TenantIdFormat().IsMatch(Tenant));
}
