using System.Net;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.Pages.Account;
using SaaSReference.Identity.Tests.Infrastructure;
using static SaaSReference.Identity.Tests.SignIn.TokenResult;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>
/// 9.2.3a, 13.2.2d: the authorization code flow with PKCE for a tenant admin, through forced TOTP enrollment,
/// and the second factor on later sign-ins: one use per code, wrong codes refused, recovery codes once each.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class MfaFlowTests(SignInEnvironment factory)
{
    [Fact]
    public async Task AuthorizationCode_TenantAdminFirstSignIn_EnrollsTotpAndGetsTenantTokensWithMfa()
    {
        using var browser = factory.NewBrowser();
        var client = new OidcClient();
        var page = await Flow.SignInAsync(browser, client, TestPeople.FlowAdmin, "tenant-a");
        var step = await Flow.FreshStepAsync();
        var enrollment = await Flow.EnrollAsync(browser, page, step);

        Assert.NotNull(page.Document.QuerySelector(".qr svg"));
        Assert.Equal(10, enrollment.RecoveryCodes.Distinct().Count());
        Assert.True(enrollment.CodesPage.Response.Headers.CacheControl?.NoStore, "The recovery codes page must not be cached (6.2.1c).");
        var tokens = await client.RedeemAsync(browser.Http, client.CodeFrom(enrollment.Next));
        Assert.Equal(200, tokens.Status);
        var access = tokens.AccessTokenClaims;
        Assert.Equal(["tenant-a"], Values(access, "tenant_id"));
        Assert.Contains("mfa", Values(access, "amr"));
        Assert.Contains("otp", Values(access, "amr"));
        Assert.Contains("tenant-admin", Values(access, "role"));
        Assert.Contains("saasreference-api", Values(access, "aud"));
        var id = tokens.IdTokenClaims;
        Assert.Equal([TestPeople.FlowAdmin], Values(id, "email"));
        Assert.Equal(["tenant-a"], Values(id, "tenant_id"));
        Assert.Contains("mfa", Values(id, "amr"));
        Assert.Empty(Values(id, "role"));
        var userId = Values(access, "sub").Single();
        Assert.Contains(factory.Identity.Events.Events, e => e.Type == SecurityEventTypes.MfaEnrolled && e.UserId == userId);
        Assert.Contains(factory.Identity.Events.Events, e => e.Type == SecurityEventTypes.SignInSucceeded && e.UserId == userId);

        var signedOut = await Flow.SignOutAsync(browser);
        Assert.Equal(TestSeed.PostLogoutRedirectUri, signedOut.Url.GetLeftPart(UriPartial.Path));

        var again = new OidcClient();
        var challenge = await Flow.SignInAsync(browser, again, TestPeople.FlowAdmin, "tenant-a");
        Assert.Equal(Flow.MfaPage, challenge.Path);
        var done = await Flow.SubmitCodeAsync(browser, challenge, Flow.Code(enrollment.Secret, step + 1));
        var second = await again.RedeemAsync(browser.Http, again.CodeFrom(done));
        Assert.Contains("mfa", Values(second.AccessTokenClaims, "amr"));
    }

    [Fact]
    public async Task Totp_SameCodeOnSecondSignIn_RefusedLikeAWrongCode()
    {
        using var browser = factory.NewBrowser();
        var step = await Flow.FreshStepAsync();
        var enrollment = await Flow.EnrollAsync(browser, await Flow.SignInAsync(browser, new OidcClient(), TestPeople.ReplayAdmin, "tenant-a"), step - 1);
        Assert.True(enrollment.Next.LeftService);
        await Flow.SignOutAsync(browser);
        var code = Flow.Code(enrollment.Secret, step);

        var first = new OidcClient();
        var accepted = await Flow.SubmitCodeAsync(browser, await Flow.SignInAsync(browser, first, TestPeople.ReplayAdmin, "tenant-a"), code);
        Assert.NotNull(first.CodeFrom(accepted));
        await Flow.SignOutAsync(browser);

        var challenge = await Flow.SignInAsync(browser, new OidcClient(), TestPeople.ReplayAdmin, "tenant-a");
        var replayed = await Flow.SubmitCodeAsync(browser, challenge, code);
        Assert.Equal(Flow.MfaPage, replayed.Path);
        Assert.Equal([MfaModel.GenericFailure], replayed.Errors);

        var wrong = await Flow.SubmitCodeAsync(browser, replayed, Flow.WrongCode(enrollment.Secret, step));
        Assert.Equal(Flow.MfaPage, wrong.Path);
        Assert.Equal(replayed.Errors, wrong.Errors);
        // Each refused code counted toward the lockout, like a wrong password (13.2.2d).
        Assert.Equal(2, (await factory.FindUserAsync(TestPeople.ReplayAdmin)).AccessFailedCount);
        // Neither refused code left a session behind: the client's next request still needs a sign-in.
        Assert.Equal(Flow.TenantPage, (await browser.GetAsync(new OidcClient().AuthorizeUrl)).Path);
    }

    [Fact]
    public async Task RecoveryCode_UsedTwice_WorksOnlyTheFirstTime()
    {
        using var browser = factory.NewBrowser();
        var enrollment = await Flow.EnrollAsync(browser,
            await Flow.SignInAsync(browser, new OidcClient(), TestPeople.RecoveryAdmin, "tenant-a"), await Flow.FreshStepAsync());
        await Flow.SignOutAsync(browser);

        var first = new OidcClient();
        var recovery = await RecoveryPageAsync(browser, first);
        var accepted = await Flow.SubmitCodeAsync(browser, recovery, enrollment.RecoveryCodes[0]);
        var tokens = await first.RedeemAsync(browser.Http, first.CodeFrom(accepted));
        Assert.Contains("mfa", Values(tokens.AccessTokenClaims, "amr"));
        await Flow.SignOutAsync(browser);

        var second = new OidcClient();
        var again = await Flow.SubmitCodeAsync(browser, await RecoveryPageAsync(browser, second), enrollment.RecoveryCodes[0]);
        Assert.Equal(Flow.RecoveryPage, again.Path);
        Assert.Equal([MfaRecoveryModel.GenericFailure], again.Errors);
        var other = await Flow.SubmitCodeAsync(browser, again, enrollment.RecoveryCodes[1]);
        Assert.NotNull(second.CodeFrom(other));
    }

    [Fact]
    public async Task MfaPosts_SixthWithinAMinute_RefusedWithTooManyRequests()
    {
        using var browser = factory.NewBrowser();
        var step = await Flow.FreshStepAsync();
        var enrollment = await Flow.EnrollAsync(browser,
            await Flow.SignInAsync(browser, new OidcClient(), TestPeople.RateLimitAdmin, "tenant-a"), step);
        await Flow.SignOutAsync(browser);
        var page = await Flow.SignInAsync(browser, new OidcClient(), TestPeople.RateLimitAdmin, "tenant-a");
        var wrong = Flow.WrongCode(enrollment.Secret, step);

        // The enrollment's confirmation was the first code post of this minute; four wrong codes make five.
        for (var i = 0; i < 4; i++)
        {
            page = await Flow.SubmitCodeAsync(browser, page, wrong);
            Assert.Equal(HttpStatusCode.OK, page.Status);
        }
        var limited = await Flow.SubmitCodeAsync(browser, page, wrong);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
    }

    private static async Task<BrowserPage> RecoveryPageAsync(Browser browser, OidcClient client)
    {
        var challenge = await Flow.SignInAsync(browser, client, TestPeople.RecoveryAdmin, "tenant-a");
        Assert.Equal(Flow.MfaPage, challenge.Path);
        var link = challenge.Document.QuerySelector("a[href*='/account/mfa/recovery']")?.GetAttribute("href");
        return await browser.GetAsync(link ?? throw new InvalidOperationException("No link to the recovery code page."));
    }
}
