using System.Text.Json;
using Microsoft.Playwright;

namespace SaaSReference.EndToEnd.Tests.Browser;

/// <summary>The steps a person takes on the platform's own sign-in pages, through the gateway.</summary>
internal sealed class SignInFlow(IPage page, string publicBase)
{
    /// <summary>From the gateway's /login to the password step done (tenant chosen, credentials entered).</summary>
    public async Task EnterPasswordAsync(string tenant, string email, string password)
    {
        await ChooseTenantAsync(tenant);
        await SubmitPasswordAsync(email, password);
    }

    /// <summary>From the gateway's /login to the password form of <paramref name="tenant"/>.</summary>
    public async Task ChooseTenantAsync(string tenant)
    {
        await page.GotoAsync($"{publicBase}/login?returnUrl=/me");
        await page.Locator("#tenant-id").FillAsync(tenant);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
    }

    /// <summary>On the password form: enters the credentials and signs in.</summary>
    public async Task SubmitPasswordAsync(string email, string password)
    {
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    /// <summary>Follows a link and waits until the browser is on the page whose path ends as given.</summary>
    public async Task FollowAsync(string linkText, string pathEnd)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = linkText }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith(pathEnd, StringComparison.Ordinal));
    }

    public async Task SubmitCodeAsync(string code, string button = "Continue")
    {
        await page.Locator("#code").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    /// <summary>The error summary the pages show, or null when there is none.</summary>
    public async Task<string?> ErrorAsync()
    {
        var summary = page.Locator("[role=alert]");
        return await summary.CountAsync() > 0 ? await summary.First.InnerTextAsync() : null;
    }

    /// <summary>Whether the flow comes back to the gateway's /me within <paramref name="bound"/>.</summary>
    public async Task<bool> ArrivedAtSessionAsync(TimeSpan bound)
    {
        try
        {
            await page.WaitForURLAsync($"{publicBase}/me", new() { Timeout = (float)bound.TotalMilliseconds });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Where the browser is and the start of what it shows, for a failing test's message.</summary>
    public async Task<string> DescribePageAsync()
    {
        var body = await page.Locator("body").InnerTextAsync();
        return $"{page.Url}: {body[..Math.Min(body.Length, 300)]}";
    }

    /// <summary>The gateway's /me answer once the flow has come back to it: who the session belongs to.</summary>
    public async Task<JsonElement> WaitForSessionAsync()
    {
        try
        {
            await page.WaitForURLAsync($"{publicBase}/me", new() { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            var body = await page.Locator("body").InnerTextAsync();
            throw new InvalidOperationException($"The flow did not come back to /me; the browser is at {page.Url} showing:\n{body[..Math.Min(body.Length, 1500)]}");
        }
        return JsonSerializer.Deserialize<JsonElement>(await page.Locator("body").InnerTextAsync());
    }

    public async Task<(int Status, string Body)> FetchAsync(string path, string method = "GET")
    {
        var result = await page.EvaluateAsync<JsonElement>(
            """
            async ([path, method]) => {
              const response = await fetch(path, { method, headers: { 'X-CSRF': '1' } });
              return { status: response.status, body: await response.text() };
            }
            """, new object[] { path, method });
        return (result.GetProperty("status").GetInt32(), result.GetProperty("body").GetString() ?? "");
    }

    public async Task SignOutAsync()
    {
        await FetchAsync("/logout", "POST");
        await page.Context.ClearCookiesAsync();
    }
}
