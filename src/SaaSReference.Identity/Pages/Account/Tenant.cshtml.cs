using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Tenants;

namespace SaaSReference.Identity.Pages.Account;

/// <summary>
/// Step one: which organisation the person signs in to. Only the format is checked: whether a tenant exists is not
/// revealed here, and an unknown tenant fails at the password like any other wrong detail (13.2.2d). A frozen,
/// quarantined or terminated tenant is refused here already (12.1.3c, 12.2.1b/g), before any password is asked for,
/// with <see cref="TenantSuspension.Message"/> and nothing more.
/// </summary>
public sealed partial class TenantModel(TenantSuspension suspension) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? TenantId { get; set; }

    [BindProperty]
    public string? Kind { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (Kind == "staff")
        {
            return Redirect(SignInModel.UrlFor(Request, tenantId: null, ReturnUrl));
        }
        var tenant = TenantId?.Trim().ToLowerInvariant();
        if (tenant is null || !TenantIdFormat().IsMatch(tenant))
        {
            ModelState.AddModelError(nameof(TenantId), "Enter your organisation's tenant id: lower-case letters, digits and hyphens, for example acme-corp.");
            return Page();
        }
        if (await suspension.RefuseSignInAsync(tenant, null, TenantSuspension.Steps.TenantSelection, HttpContext.RequestAborted))
        {
            ModelState.AddModelError(string.Empty, TenantSuspension.Message);
            return Page();
        }
        return Redirect(SignInModel.UrlFor(Request, tenant, ReturnUrl));
    }

    /// <summary>The format of platform.tenant_catalog.tenant_id.</summary>
    [GeneratedRegex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    public static partial Regex TenantIdFormat();
}
