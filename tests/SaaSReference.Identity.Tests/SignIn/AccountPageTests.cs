using static SaaSReference.Identity.Tests.SignIn.TokenResult;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>The signed-in pages: who is signed in, a password change that keeps the session's MFA, sign-out.</summary>
[Collection(SignInCollection.Name)]
public sealed class AccountPageTests(SignInEnvironment factory)
{
    [Fact]
    public async Task ChangePassword_SignedInPrivilegedUser_KeepsMfaOfTheSessionAndSignsOutAfter()
    {
        const string next = "copper kettle whistles at dawn 58";
        using var browser = factory.NewBrowser();
        await Flow.EnrollAsync(browser,
            await Flow.SignInAsync(browser, new OidcClient(), TestPeople.AccountAdmin, "tenant-a"), await Flow.FreshStepAsync());

        var account = await browser.GetAsync("/identity/account");
        Assert.Equal(TestPeople.AccountAdmin, account.Document.GetElementById("signed-in-as")?.TextContent);
        var form = await browser.GetAsync(Flow.PasswordPage);
        var changed = await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["CurrentPassword"] = SignInEnvironment.Password,
            ["NewPassword"] = next,
            ["ConfirmPassword"] = next,
        });
        Assert.Equal("/identity/account", changed.Path);

        // The renewed session still carries the MFA it passed: a privileged user gets a code without signing in again.
        var client = new OidcClient();
        var tokens = await client.RedeemAsync(browser.Http, client.CodeFrom(await browser.GetAsync(client.AuthorizeUrl)));
        Assert.Contains("mfa", Values(tokens.AccessTokenClaims, "amr"));

        var signOut = await browser.SubmitAsync(await browser.GetAsync("/identity/account/signout"), new Dictionary<string, string>());
        Assert.Equal(Flow.TenantPage, signOut.Path);
        Assert.Equal(Flow.TenantPage, (await browser.GetAsync("/identity/account")).Path);
    }
}
