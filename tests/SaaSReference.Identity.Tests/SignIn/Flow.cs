using SaaSReference.Identity.Security;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>The recovery codes page after enrollment, the page its Continue link led to, and the key.</summary>
public sealed record Enrollment(string Secret, IReadOnlyList<string> RecoveryCodes, BrowserPage CodesPage, BrowserPage Next);

/// <summary>The steps of the sign-in flow as a person takes them, for the tests to compose.</summary>
public static class Flow
{
    public const string TenantPage = "/identity/account/tenant";
    public const string SignInPage = "/identity/account/signin";
    public const string PasswordPage = "/identity/account/password";
    public const string EnrollPage = "/identity/account/mfa/enroll";
    public const string MfaPage = "/identity/account/mfa";
    public const string RecoveryPage = "/identity/account/mfa/recovery";

    /// <summary>From the client's authorize request through the tenant page to the submitted password.</summary>
    public static async Task<BrowserPage> SignInAsync(Browser browser, OidcClient client, string email, string? tenant,
        string password = SignInEnvironment.Password)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(client);
        var page = await browser.GetAsync(client.AuthorizeUrl);
        Assert.Equal(TenantPage, page.Path);
        page = await ChooseTenantAsync(browser, page, tenant);
        Assert.Equal(SignInPage, page.Path);
        return await SubmitPasswordAsync(browser, page, email, password);
    }

    public static Task<BrowserPage> ChooseTenantAsync(Browser browser, BrowserPage page, string? tenant) => tenant is null
        ? browser.SubmitAsync(page, new Dictionary<string, string>(), button: "staff")
        : browser.SubmitAsync(page, new Dictionary<string, string> { ["TenantId"] = tenant }, button: "tenant");

    public static Task<BrowserPage> SubmitPasswordAsync(Browser browser, BrowserPage page, string email, string password) =>
        browser.SubmitAsync(page, new Dictionary<string, string> { ["Email"] = email, ["Password"] = password });

    public static Task<BrowserPage> SubmitCodeAsync(Browser browser, BrowserPage page, string code) =>
        browser.SubmitAsync(page, new Dictionary<string, string> { ["Code"] = code });

    /// <summary>Reads the key off the enrollment page, confirms it with the code of <paramref name="step"/>, continues.</summary>
    public static async Task<Enrollment> EnrollAsync(Browser browser, BrowserPage page, long step)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(page);
        Assert.Equal(EnrollPage, page.Path);
        var secret = page.Document.GetElementById("totp-secret")?.TextContent.Trim()
            ?? throw new InvalidOperationException("No #totp-secret on the enrollment page.");
        var codesPage = await SubmitCodeAsync(browser, page, Code(secret, step));
        var codes = codesPage.Document.QuerySelectorAll("#recovery-codes li").Select(li => li.TextContent.Trim()).ToList();
        Assert.True(codes.Count > 0, $"No recovery codes shown: {codesPage.Errors.FirstOrDefault()} {codesPage.Document.Body?.TextContent}");
        var next = codesPage.Document.QuerySelector("main a.button")?.GetAttribute("href")
            ?? throw new InvalidOperationException("No Continue link after enrollment.");
        return new Enrollment(secret, codes, codesPage, await browser.GetAsync(next));
    }

    /// <summary>Through connect/endsession, as the client's sign-out does.</summary>
    public static async Task<BrowserPage> SignOutAsync(Browser browser)
    {
        ArgumentNullException.ThrowIfNull(browser);
        return await browser.GetAsync("/identity/connect/endsession?client_id=" + TestSeed.GatewayClientId
            + "&post_logout_redirect_uri=" + Uri.EscapeDataString(TestSeed.PostLogoutRedirectUri));
    }

    public static string Code(string secret, long step) => Totp.Compute(Totp.FromBase32(secret), step);

    /// <summary>A code that is none of those the server accepts around now.</summary>
    public static string WrongCode(string secret, long step)
    {
        var taken = Enumerable.Range(-2, 5).Select(offset => Code(secret, step + offset)).ToHashSet();
        return Enumerable.Range(0, 10).Select(i => new string((char)('0' + i), 6)).First(c => !taken.Contains(c));
    }

    /// <summary>
    /// The current TOTP step, once at least 10 seconds of it remain, so that codes computed now are still inside
    /// the server's one-step drift window when they arrive.
    /// </summary>
    public static async Task<long> FreshStepAsync()
    {
        var into = DateTimeOffset.UtcNow.ToUnixTimeSeconds() % Totp.StepSeconds;
        if (into > Totp.StepSeconds - 10)
        {
            await Task.Delay(TimeSpan.FromSeconds(Totp.StepSeconds - into + 1));
        }
        return Totp.StepAt(DateTimeOffset.UtcNow);
    }
}
