using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>Who is signed in, with which roles and methods; links to change the password and to sign out.</summary>
public sealed class IndexModel(UserManager<PlatformUser> users) : PageModel
{
    public PlatformSession? Session { get; private set; }

    public IReadOnlyList<string> Roles { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        Session = await PlatformSession.ReadAsync(HttpContext, users);
        if (Session is null)
        {
            return Redirect(Request.PathBase + AccountPaths.Tenant);
        }
        Roles = [.. await users.GetRolesAsync(Session.User)];
        return Page();
    }
}
