using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Tenants;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>
/// 12.1.3c, 12.2.1b/g on the sign-in pages: a person of a frozen, quarantined or terminated tenant is told that the
/// organisation's account is suspended, and nothing more, at the tenant choice and at the password (whether the
/// password is right or not, so the page is no password oracle); a session or a half-finished sign-in of a tenant
/// frozen meanwhile ends. Unfrozen, the same person signs in again. Each test has a tenant of its own.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class TenantSuspensionSignInTests(SignInEnvironment factory)
{
    private const string WrongPassword = "not the right password at all";

    [Fact]
    public async Task SignIn_FrozenTenant_SuspendedMessageWithRightOrWrongPasswordAndNoCode_UntilUnfrozen()
    {
        var tenant = TenantLimits.NewTenant("frz");
        var user = await TestUsers.CreateAsync(factory.Identity, tenant);
        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Frozen(tenant, 1));
        using var browser = factory.NewBrowser();
        var client = new OidcClient();

        var start = await browser.GetAsync(client.AuthorizeUrl);
        var chosen = await Flow.ChooseTenantAsync(browser, start, tenant);
        Assert.Equal(Flow.TenantPage, chosen.Path);
        Assert.Equal([TenantSuspension.Message], chosen.Errors);

        // Straight to the password page, past the tenant choice.
        var signInPage = await browser.GetAsync(SignInUrl(tenant, client));
        Assert.Equal([TenantSuspension.Message], signInPage.Errors);
        var right = await Flow.SubmitPasswordAsync(browser, signInPage, user.Email!, TestSeed.Password);
        var wrong = await Flow.SubmitPasswordAsync(browser, signInPage, user.Email!, WrongPassword);
        foreach (var refused in new[] { right, wrong })
        {
            Assert.False(refused.LeftService, "No code for a suspended tenant's person.");
            Assert.Equal(Flow.SignInPage, refused.Path);
            Assert.Equal([TenantSuspension.Message], refused.Errors);
        }
        Assert.Equal(Text(right), Text(wrong));

        var events = factory.Identity.Events;
        Assert.Equal(["tenant-selection", "password", "password"],
            events.OfType(SecurityEventTypes.SignInTenantSuspended).Where(e => e.TenantId == tenant).Select(e => e.Details!["step"]));
        Assert.DoesNotContain(events.Events, e => e.UserId == user.Id && e.Type is SecurityEventTypes.SignInSucceeded or SecurityEventTypes.SignInFailed);

        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Active(tenant, 2));
        var again = new OidcClient();
        var code = again.CodeFrom(await Flow.SignInAsync(browser, again, user.Email!, tenant, TestSeed.Password));
        Assert.Equal(200, (await again.RedeemAsync(browser.Http, code)).Status);
    }

    [Fact]
    public async Task SignIn_QuarantinedTenant_SameMessageAndNothingAboutWhy()
    {
        var tenant = TenantLimits.NewTenant("qrn");
        await TestUsers.CreateAsync(factory.Identity, tenant);
        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Quarantined(tenant, 1));
        using var browser = factory.NewBrowser();

        var chosen = await Flow.ChooseTenantAsync(browser, await browser.GetAsync(new OidcClient().AuthorizeUrl), tenant);

        Assert.Equal(Flow.TenantPage, chosen.Path);
        Assert.Equal([TenantSuspension.Message], chosen.Errors);
        foreach (var word in new[] { "quarantin", "security", "frozen", "malware" })
        {
            Assert.DoesNotContain(word, Text(chosen), StringComparison.OrdinalIgnoreCase);
        }
        var raised = Assert.Single(factory.Identity.Events.OfType(SecurityEventTypes.SignInTenantSuspended), e => e.TenantId == tenant);
        Assert.Equal("true", raised.Details!["quarantined"]);
    }

    [Fact]
    public async Task Authorize_SessionFromBeforeTheFreeze_GetsNoCodeAndEnds()
    {
        var tenant = TenantLimits.NewTenant("frz");
        var user = await TestUsers.CreateAsync(factory.Identity, tenant);
        using var browser = factory.NewBrowser();
        var first = new OidcClient();
        first.CodeFrom(await Flow.SignInAsync(browser, first, user.Email!, tenant, TestSeed.Password));

        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Frozen(tenant, 1));
        var refused = await browser.GetAsync(new OidcClient().AuthorizeUrl);

        Assert.False(refused.LeftService, "A session of a frozen tenant must not yield a code.");
        Assert.Equal(Flow.SignInPage, refused.Path);
        Assert.Equal([TenantSuspension.Message], refused.Errors);
        Assert.Contains(factory.Identity.Events.OfType(SecurityEventTypes.SignInTenantSuspended),
            e => e.UserId == user.Id && e.Details!["step"] == "authorize");

        // The session ended with the refusal: unfrozen, the person signs in again rather than carrying on.
        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Active(tenant, 2));
        Assert.Equal(Flow.TenantPage, (await browser.GetAsync(new OidcClient().AuthorizeUrl)).Path);
    }

    [Fact]
    public async Task SignIn_FreezeBetweenPasswordAndSecondFactor_EndsThePendingSignIn()
    {
        var tenant = TenantLimits.NewTenant("frz");
        var admin = await TestUsers.CreateAsync(factory.Identity, tenant, PlatformRoles.TenantAdmin);
        using var browser = factory.NewBrowser();
        var client = new OidcClient();
        var enroll = await Flow.SignInAsync(browser, client, admin.Email!, tenant, TestSeed.Password);
        Assert.Equal(Flow.EnrollPage, enroll.Path);

        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Frozen(tenant, 1));
        var refused = await browser.GetAsync(Flow.EnrollPage);

        Assert.Equal(Flow.SignInPage, refused.Path);
        Assert.Equal([TenantSuspension.Message], refused.Errors);
        Assert.Contains(factory.Identity.Events.OfType(SecurityEventTypes.SignInTenantSuspended),
            e => e.UserId == admin.Id && e.Details!["step"] == "pending-sign-in");
        await TenantLimits.SetAsync(factory.Identity, TenantLimits.Active(tenant, 2));
        Assert.Equal(Flow.TenantPage, (await browser.GetAsync(Flow.EnrollPage)).Path);
    }

    private static string SignInUrl(string tenant, OidcClient client) =>
        $"{Flow.SignInPage}?Tenant={tenant}&ReturnUrl={Uri.EscapeDataString(client.AuthorizeUrl)}";

    private static string Text(BrowserPage page) => page.Document.QuerySelector("main")?.TextContent ?? "";
}
