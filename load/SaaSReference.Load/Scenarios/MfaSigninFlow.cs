using System.Diagnostics;
using System.Text.Json;
using SaaSReference.Load.Browser;
using SaaSReference.Load.Engine;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// The steps of one person's sign-in through the gateway, as a browser takes them (9.1.1a, 9.1.2a, 9.2.3a): the gateway's
/// <c>/login</c> starts the authorization code flow and redirects to the identity service (under the same origin,
/// <c>/identity</c>), whose pages ask for the tenant, the password and the TOTP code; the service's authorize endpoint
/// then hands the code back to the gateway's <c>/signin-oidc</c> by form post, the gateway redeems it and opens the session,
/// and <c>/me</c> says who is signed in. Each method is one measured step; the sign-in's state travels in
/// <see cref="StepContext.Items"/>. Refusals by the service (password, code, rate limit) are counted apart.
/// </summary>
public sealed class MfaSigninFlow(HttpClient http, Uri gateway, string tenant)
{
    public const string TenantPage = "/identity/account/tenant";
    public const string SignInPage = "/identity/account/signin";
    public const string MfaPage = "/identity/account/mfa";
    public const string EnrollPage = "/identity/account/mfa/enroll";
    public const string CallbackPath = "/signin-oidc";
    public const string SessionCookie = "SaaSReference.Session";
    private const string AttemptKey = "signin";

    private long _passwordRefused;
    private long _codeRefused;
    private long _rateLimited;
    private long _wrongSession;
    private long _verified;

    public string Tenant { get; } = tenant;

    /// <summary>Whole sign-ins, first request to the answer of <c>/me</c>, of those that ended with the right session.</summary>
    public Stats.StepStats Whole { get; } = new("sign-in");

    public long PasswordRefused => Interlocked.Read(ref _passwordRefused);
    public long CodeRefused => Interlocked.Read(ref _codeRefused);
    public long RateLimited => Interlocked.Read(ref _rateLimited);
    public long WrongSession => Interlocked.Read(ref _wrongSession);

    /// <summary>Sign-ins whose <c>/me</c> answered 200 with this person's name and tenant.</summary>
    public long Verified => Interlocked.Read(ref _verified);

    public long Refusals => PasswordRefused + CodeRefused + RateLimited;

    /// <summary>The steps of a sign-in of an enrolled person (the pool's lease is the iteration's admission).</summary>
    public IReadOnlyList<Step> SignInSteps(Func<long> phaseOrigin) =>
    [
        new("login-page", c => LoginPageAsync(c, ((MfaUserLease)c.Admitted!).User)),
        new("tenant", ChooseTenantAsync),
        new("password", c => PasswordAsync(c, MfaPage)),
        new("totp", c => CodeAsync(c, ((MfaUserLease)c.Admitted!).NextCode())),
        new("callback", CallbackAsync),
        new("me", c => MeAsync(c, phaseOrigin())),
    ];

    /// <summary>The steps of a first sign-in: the service makes the person enroll an authenticator (the tenant requires MFA).</summary>
    public IReadOnlyList<Step> EnrollmentSteps(IReadOnlyList<MfaUser> users, MfaUserPool pool) =>
    [
        new("login-page", c => LoginPageAsync(c, users[(int)c.Iteration])),
        new("tenant", ChooseTenantAsync),
        new("password", c => PasswordAsync(c, EnrollPage)),
        new("enroll", c => EnrollAsync(c, pool)),
        new("continue", ContinueAsync),
        new("callback", CallbackAsync),
        new("me", c => MeAsync(c, null)),
    ];

    private async Task<StepResult> LoginPageAsync(StepContext c, MfaUser user)
    {
        var attempt = new Attempt(user, new BrowserSession(http), Stopwatch.GetTimestamp());
        c.Items[AttemptKey] = attempt;
        // The gateway redirects to the identity service's authorize endpoint, which redirects to the tenant page.
        var page = await attempt.Browser.GetAsync(new Uri(gateway, "/login?returnUrl=%2F"), c.CancellationToken);
        return attempt.Expect(page, TenantPage);
    }

    private async Task<StepResult> ChooseTenantAsync(StepContext c)
    {
        var attempt = Of(c);
        var page = await attempt.Browser.SubmitAsync(attempt.Page!, new Dictionary<string, string> { ["TenantId"] = Tenant },
            c.CancellationToken, button: "tenant");
        return attempt.Expect(page, SignInPage);
    }

    private async Task<StepResult> PasswordAsync(StepContext c, string next)
    {
        var attempt = Of(c);
        var page = await attempt.Browser.SubmitAsync(attempt.Page!,
            new Dictionary<string, string> { ["Email"] = attempt.User.Email, ["Password"] = attempt.User.Password }, c.CancellationToken);
        if (page.Path == SignInPage && page.Errors.Count > 0)
        {
            // One message for a wrong password, an unknown account and a locked one (13.2.2d).
            Interlocked.Increment(ref _passwordRefused);
            return StepResult.Fail(page.Status, "refused: password (wrong, or the account is locked out)");
        }
        return attempt.Expect(page, next);
    }

    private async Task<StepResult> CodeAsync(StepContext c, string code)
    {
        var attempt = Of(c);
        var page = await attempt.Browser.SubmitAsync(attempt.Page!, new Dictionary<string, string> { ["Code"] = code }, c.CancellationToken);
        return Classify(attempt, page);
    }

    // After a right code the service goes back to connect/authorize, which answers with the form that posts the
    // authorization code to the gateway.
    private StepResult Classify(Attempt attempt, BrowserPage page)
    {
        if (page.Status == 429)
        {
            Interlocked.Increment(ref _rateLimited);
            return StepResult.Fail(429, "refused: code submissions rate-limited (5 a minute per person)");
        }
        if (page.Path is MfaPage or EnrollPage && page.Errors.Count > 0)
        {
            Interlocked.Increment(ref _codeRefused);
            return StepResult.Fail(page.Status, "refused: TOTP code (wrong, replayed, or the account is locked out)");
        }
        return attempt.ExpectCallbackForm(page);
    }

    private async Task<StepResult> EnrollAsync(StepContext c, MfaUserPool pool)
    {
        var attempt = Of(c);
        var secret = attempt.Page!.Document?.GetElementById("totp-secret")?.TextContent.Trim();
        if (string.IsNullOrEmpty(secret))
        {
            return StepResult.Fail(attempt.Page.Status, "no authenticator key on the enrollment page");
        }
        var key = Totp.FromBase32(secret);
        // The previous step's code (inside the service's one step of drift) leaves the current step free, so the run
        // can start at once; when a step boundary passed meanwhile it is refused, and the current code is sent instead.
        BrowserPage page = attempt.Page;
        long step = 0;
        foreach (var offset in new[] { -1, 0 })
        {
            step = pool.CurrentStep + offset;
            page = await attempt.Browser.SubmitAsync(attempt.Page, new Dictionary<string, string> { ["Code"] = Totp.Code(key, step) }, c.CancellationToken);
            if (page.Document?.GetElementById("recovery-codes") is not null)
            {
                attempt.User.Key = key;
                pool.MarkUsed(attempt.User, step);
                attempt.Page = page;
                return StepResult.Ok(page.Status);
            }
            if (page.Path != EnrollPage || page.Errors.Count == 0)
            {
                break;
            }
            pool.MarkUsed(attempt.User, step);
            attempt.Page = page;
        }
        return StepResult.Fail(page.Status, "enrollment not confirmed: " + page.Describe());
    }

    private static async Task<StepResult> ContinueAsync(StepContext c)
    {
        var attempt = Of(c);
        var link = attempt.Page!.Document?.QuerySelector("main a.button")?.GetAttribute("href");
        if (string.IsNullOrEmpty(link))
        {
            return StepResult.Fail(attempt.Page.Status, "no continue link after the recovery codes");
        }
        var page = await attempt.Browser.GetAsync(new Uri(attempt.Page.Url, link), c.CancellationToken);
        return attempt.ExpectCallbackForm(page);
    }

    /// <summary>The authorization code to the gateway: it redeems it at the token endpoint, stores the session and redirects to /.</summary>
    private static async Task<StepResult> CallbackAsync(StepContext c)
    {
        var attempt = Of(c);
        // Not followed to the return URL: "/" is the SaaS application's own front page, which the platform does not serve.
        var page = await attempt.Browser.SubmitAsync(attempt.Page!, new Dictionary<string, string>(), c.CancellationToken,
            selector: "form", follow: false);
        if (page.Status is not (302 or 303) || page.Location?.AbsolutePath != "/")
        {
            return StepResult.Fail(page.Status, "callback did not return to /: " + page.Describe());
        }
        if (!attempt.Browser.HasCookie(page.Url, SessionCookie) && !attempt.Browser.HasCookie(page.Url, SessionCookie + "C1"))
        {
            return StepResult.Fail(page.Status, "callback set no session cookie");
        }
        attempt.Page = page;
        return StepResult.Ok(page.Status);
    }

    private async Task<StepResult> MeAsync(StepContext c, long? phaseOrigin)
    {
        var attempt = Of(c);
        var page = await attempt.Browser.GetAsync(new Uri(gateway, "/me"), c.CancellationToken, follow: false);
        if (page.Status != 200)
        {
            return StepResult.Fail(page.Status, "/me: no session");
        }
        using var me = JsonDocument.Parse(page.Body);
        var name = me.RootElement.TryGetProperty("name", out var n) ? n.GetString() : null;
        var tenantId = me.RootElement.TryGetProperty("tenantId", out var t) ? t.GetString() : null;
        if (name != attempt.User.DisplayName || tenantId != Tenant)
        {
            Interlocked.Increment(ref _wrongSession);
            return StepResult.Fail(200, "/me: the session is not this person's");
        }
        Interlocked.Increment(ref _verified);
        if (phaseOrigin is { } origin)
        {
            var now = Stopwatch.GetTimestamp();
            Whole.Record((long)Stopwatch.GetElapsedTime(attempt.Started, now).TotalMicroseconds, StepResult.Ok(200),
                (int)Stopwatch.GetElapsedTime(origin, now).TotalSeconds);
        }
        return StepResult.Ok(200);
    }

    private static Attempt Of(StepContext c) => (Attempt)c.Items[AttemptKey]!;

    /// <summary>One sign-in in progress: who, their browser, when it began, and the page it is on.</summary>
    private sealed class Attempt(MfaUser user, BrowserSession browser, long started)
    {
        public MfaUser User { get; } = user;
        public BrowserSession Browser { get; } = browser;
        public long Started { get; } = started;
        public BrowserPage? Page { get; set; }

        public StepResult Expect(BrowserPage page, string path)
        {
            if (page.Status != 200 || page.Path != path || page.Document is null)
            {
                return StepResult.Fail(page.Status, $"expected {path}, got {page.Describe()}");
            }
            Page = page;
            return StepResult.Ok(200);
        }

        public StepResult ExpectCallbackForm(BrowserPage page)
        {
            var action = page.Document?.QuerySelector("form")?.GetAttribute("action");
            if (page.Status != 200 || action is null || new Uri(page.Url, action).AbsolutePath != CallbackPath)
            {
                return StepResult.Fail(page.Status, "expected the form posting the code to the gateway, got " + page.Describe());
            }
            Page = page;
            return StepResult.Ok(200);
        }
    }
}
