using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>Step two: email and password, for the tenant chosen on the previous page (or as platform staff).</summary>
public sealed class SignInModel(
    UserManager<PlatformUser> users, SignInSteps steps, SignInCompletion completion, PasswordSignIn passwords)
    : SignInStepPage(users, steps, completion)
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

    public IActionResult OnGet() => ChoiceIsValid ? Page() : Redirect(AccountPaths.To(Request, AccountPaths.Tenant, ReturnUrl));

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ChoiceIsValid)
        {
            return Redirect(AccountPaths.To(Request, AccountPaths.Tenant, ReturnUrl));
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
