using SaaSReference.Identity.Events;
using SaaSReference.Identity.Pages.Account;
using SaaSReference.Identity.Security;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>
/// 13.2.2d: one message for every refused password step, tenants kept apart, lockout with backoff;
/// 6.2.1d, 9.2.4a: a stored password that no longer meets the policy must be changed before anything else.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class PasswordStepTests(SignInEnvironment factory)
{
    private const string WrongPassword = "not the right password at all";

    [Fact]
    public async Task SignIn_UserOfTenantAChoosingTenantB_GetsTheGenericError()
    {
        using var browser = factory.NewBrowser();

        var otherTenant = await Flow.SignInAsync(browser, new OidcClient(), TestPeople.WrongTenantUser, "tenant-b");
        var asStaff = await Flow.SignInAsync(browser, new OidcClient(), TestPeople.WrongTenantUser, null);
        var unknown = await Flow.SignInAsync(browser, new OidcClient(), "nobody@tenant-a.example", "tenant-a");
        var wrongPassword = await Flow.SignInAsync(browser, new OidcClient(), TestPeople.WrongTenantUser, "tenant-a", WrongPassword);

        foreach (var refused in new[] { otherTenant, asStaff, unknown, wrongPassword })
        {
            Assert.Equal(Flow.SignInPage, refused.Path);
            Assert.Equal([SignInModel.GenericFailure], refused.Errors);
        }
        var client = new OidcClient();
        Assert.NotNull(client.CodeFrom(await Flow.SignInAsync(browser, client, TestPeople.WrongTenantUser, "tenant-a")));
    }

    [Fact]
    public async Task Lockout_FiveWrongPasswords_SameMessageAndEachNextLockoutLastsLonger()
    {
        using var browser = factory.NewBrowser();
        var client = new OidcClient();
        var page = await Flow.SignInAsync(browser, client, TestPeople.LockoutUser, "tenant-a", WrongPassword);
        page = await FailTimesAsync(browser, page, 4);
        // Locked now: even the right password gets the same answer as a wrong one.
        page = await Flow.SubmitPasswordAsync(browser, page, TestPeople.LockoutUser, SignInEnvironment.Password);
        Assert.Equal([SignInModel.GenericFailure], page.Errors);
        var user = await factory.FindUserAsync(TestPeople.LockoutUser);
        Assert.Equal(1, user.ConsecutiveLockouts);
        AssertLockedFor(user.LockoutEnd, TimeSpan.FromMinutes(1));

        await factory.ExpireLockoutAsync(TestPeople.LockoutUser);
        page = await FailTimesAsync(browser, page, 5);
        user = await factory.FindUserAsync(TestPeople.LockoutUser);
        Assert.Equal(2, user.ConsecutiveLockouts);
        AssertLockedFor(user.LockoutEnd, TimeSpan.FromMinutes(2));
        Assert.Equal(2, factory.Identity.Events.OfType(SecurityEventTypes.AccountLockedOut).Count(e => e.UserId == user.Id));

        await factory.ExpireLockoutAsync(TestPeople.LockoutUser);
        Assert.NotNull(client.CodeFrom(await Flow.SubmitPasswordAsync(browser, page, TestPeople.LockoutUser, SignInEnvironment.Password)));
        Assert.Equal(0, (await factory.FindUserAsync(TestPeople.LockoutUser)).ConsecutiveLockouts);
    }

    [Fact]
    public async Task SignIn_StoredPasswordBelowPolicy_MustBeChangedBeforeAnythingElse()
    {
        const string old = "password1234";
        const string better = "amber lantern drifts over seven hills";
        Assert.NotEmpty(PasswordPolicy.Check(old, TestPeople.WeakPasswordUser, TestPeople.WeakPasswordUser));
        await factory.StoreOldPasswordAsync(TestPeople.WeakPasswordUser, old);
        using var browser = factory.NewBrowser();
        var client = new OidcClient();

        var page = await Flow.SignInAsync(browser, client, TestPeople.WeakPasswordUser, "tenant-a", old);
        Assert.Equal(Flow.PasswordPage, page.Path);
        Assert.True((await factory.FindUserAsync(TestPeople.WeakPasswordUser)).PasswordChangeRequired);
        Assert.Equal(Flow.PasswordPage, (await browser.GetAsync("/identity/account/mfa")).Path);
        Assert.Equal(Flow.TenantPage, (await browser.GetAsync(new OidcClient().AuthorizeUrl)).Path);

        var refused = await browser.SubmitAsync(page, Change(old, "password12345"));
        Assert.Equal(Flow.PasswordPage, refused.Path);
        Assert.Contains(PasswordPolicy.Describe(PasswordPolicy.Common), refused.Errors);
        var changed = await browser.SubmitAsync(refused, Change(old, better));

        Assert.NotNull(client.CodeFrom(changed));
        Assert.False((await factory.FindUserAsync(TestPeople.WeakPasswordUser)).PasswordChangeRequired);
    }

    private static Dictionary<string, string> Change(string current, string next) => new()
    {
        ["CurrentPassword"] = current,
        ["NewPassword"] = next,
        ["ConfirmPassword"] = next,
    };

    private static async Task<BrowserPage> FailTimesAsync(Browser browser, BrowserPage page, int times)
    {
        for (var i = 0; i < times; i++)
        {
            page = await Flow.SubmitPasswordAsync(browser, page, TestPeople.LockoutUser, WrongPassword);
            Assert.Equal(Flow.SignInPage, page.Path);
            Assert.Equal([SignInModel.GenericFailure], page.Errors);
        }
        return page;
    }

    private static void AssertLockedFor(DateTimeOffset? end, TimeSpan expected)
    {
        Assert.NotNull(end);
        var remaining = end.Value - DateTimeOffset.UtcNow;
        Assert.InRange(remaining, expected - TimeSpan.FromSeconds(20), expected + TimeSpan.FromSeconds(1));
    }
}
