using Microsoft.Playwright;

namespace SaaSReference.EndToEnd.Tests.Browser;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium) driven by Playwright, headless, with nothing reaching outside the
/// machine (background networking off). Playwright's own browser download is not used.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<IBrowserContext> _others = [];

    private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    public static async Task<BrowserSession> StartAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (tests/run-all.sh does).");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        var context = await browser.NewContextAsync();
        context.SetDefaultTimeout(30_000);
        return new BrowserSession(playwright, browser, context, await context.NewPageAsync());
    }

    /// <summary>A page in a context of its own: another person, with cookies of its own, in the same browser.</summary>
    public async Task<IPage> NewPersonAsync()
    {
        var context = await _browser.NewContextAsync();
        context.SetDefaultTimeout(30_000);
        _others.Add(context);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _others)
        {
            await context.DisposeAsync();
        }
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
