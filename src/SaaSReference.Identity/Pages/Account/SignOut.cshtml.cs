using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// Signing out of the identity service itself (applications sign out through connect/endsession). A form post
/// with an anti-forgery token, so another site cannot sign a person out with a link.
/// </summary>
public sealed class SignOutModel(SignInManager<PlatformUser> signIn) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await signIn.SignOutAsync();
        await PendingSignIn.ClearAsync(HttpContext);
        return Redirect(Request.PathBase + AccountPaths.Tenant);
    }
}
