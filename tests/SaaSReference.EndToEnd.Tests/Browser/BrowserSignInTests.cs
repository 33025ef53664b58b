using System.Net;
using Microsoft.Playwright;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.EndToEnd.Tests.Browser;

/// <summary>
/// 9.2.3a, 13.2.2d, 9.1.2a in a real browser (Debian's Chromium through Playwright), through the gateway: a
/// tenant admin is forced to enroll TOTP before any token, signs in again with a code, wrong and replayed
/// codes are refused, a recovery code works exactly once, and the API is reached with the session.
/// </summary>
public sealed class BrowserSignInTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Tenant = "browser-co";
    private const string Email = "admin@browser-co.example";
    private readonly string _password = string.Join('-', Enumerable.Range(0, 4).Select(_ => SecretsFile.NewToken(5)));
    private readonly PostgresFixture _postgres = new();
    private PlatformCluster? _cluster;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var seed = new PlatformSeed([new SeedUser(Email, _password, Tenant, "tenant-admin")], []);
        _cluster = await PlatformCluster.StartAsync(_postgres.ConnectionString, await _postgres.CreateRegionSettingsAsync(), silos: 1, identities: 1, gateway: true, seed: seed);
        using var operatorClient = _cluster.CreateOperatorClient();
        await GatewayHealth.WaitForAsync(operatorClient, "silo", r => r.Count == 1, TimeSpan.FromSeconds(60));
        await GatewayHealth.WaitForAsync(operatorClient, "identity", r => r.Count == 1, TimeSpan.FromSeconds(60));
        using var created = await TenantClientCreate(operatorClient);
        Assert.True(created.StatusCode == HttpStatusCode.Created,
            $"creating the tenant answered {created.StatusCode}: {await created.Content.ReadAsStringAsync()}\n{_cluster.Diagnostics()}");
    }

    [Fact]
    public async Task TenantAdmin_FirstSignIn_EnrollsTotpThenCodesAreSingleUse()
    {
        try
        {
            await RunFlowAsync();
        }
        catch
        {
            File.WriteAllText(Path.Combine(Path.GetTempPath(), "saasref-browser-test.log"), _cluster!.Diagnostics());
            throw;
        }
    }

    private async Task RunFlowAsync()
    {
        var cluster = _cluster!;
        await using var browser = await BrowserSession.StartAsync();
        var flow = new SignInFlow(browser.Page, cluster.PublicBase);

        // First sign-in: no token before the authenticator is enrolled (privileged role).
        await flow.EnterPasswordAsync(Tenant, Email, _password);
        var secret = (await browser.Page.Locator("#totp-secret").InnerTextAsync()).Trim();
        Assert.False(string.IsNullOrEmpty(secret), "the enrollment page shows no key");
        var enrolledStep = TestTotp.StepNow();
        var firstCodeAt = DateTime.UtcNow;
        await flow.SubmitCodeAsync(TestTotp.Code(secret, enrolledStep), "Confirm");
        var recoveryCodes = (await browser.Page.Locator("#recovery-codes li").AllTextContentsAsync()).Select(c => c.Trim()).ToList();
        Assert.True(recoveryCodes.Count >= 8, $"expected recovery codes, saw {recoveryCodes.Count}");
        await browser.Page.GetByRole(AriaRole.Link, new() { Name = "I have saved them, continue" }).ClickAsync();
        var me = await flow.WaitForSessionAsync();
        Assert.Equal(Tenant, me.GetProperty("tenantId").GetString());

        // The API is reached with the browser session (the gateway attaches the token server-side).
        var (status, body) = await flow.FetchAsync($"/api/tenants/{Tenant}");
        Assert.True(status == 200, $"API through the session answered {status}: {body}");
        Assert.DoesNotContain("access_token", await browser.Page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);

        // Sign out, then in again: a wrong code is refused, a fresh code (next time step) signs in.
        await flow.SignOutAsync();
        Assert.Equal(401, (await flow.FetchAsync("/me")).Status);
        await flow.EnterPasswordAsync(Tenant, Email, _password);
        await flow.SubmitCodeAsync(TestTotp.WrongCode(secret));
        Assert.NotNull(await flow.ErrorAsync());
        while (TestTotp.StepNow() <= enrolledStep)
        {
            await Task.Delay(500);
        }
        var usedStep = TestTotp.StepNow();
        await flow.SubmitCodeAsync(TestTotp.Code(secret, usedStep));
        me = await flow.WaitForSessionAsync();
        Assert.Equal(Tenant, me.GetProperty("tenantId").GetString());
        await flow.SignOutAsync();

        // The same code again (still inside the drift window) is a replay and is refused; a recovery code works.
        await flow.EnterPasswordAsync(Tenant, Email, _password);
        await flow.SubmitCodeAsync(TestTotp.Code(secret, usedStep));
        Assert.NotNull(await flow.ErrorAsync());
        output.WriteLine("wrong and replayed TOTP codes were refused");
        await flow.FollowAsync("Use a recovery code instead", "/account/mfa/recovery");
        await flow.SubmitCodeAsync(recoveryCodes[0]);
        me = await flow.WaitForSessionAsync();
        Assert.Equal(Tenant, me.GetProperty("tenantId").GetString());
        await flow.SignOutAsync();

        // That recovery code a second time is refused. (Code submissions are limited to 5 a minute per person:
        // let the window of the five above pass, so that this refusal is the code's, not the rate limit's.)
        while (DateTime.UtcNow < firstCodeAt + TimeSpan.FromSeconds(62))
        {
            await Task.Delay(500);
        }
        await flow.EnterPasswordAsync(Tenant, Email, _password);
        await flow.FollowAsync("Use a recovery code instead", "/account/mfa/recovery");
        await flow.SubmitCodeAsync(recoveryCodes[0]);
        var refusal = await flow.ErrorAsync();
        Assert.NotNull(refusal);
        Assert.Contains("recovery code", refusal, StringComparison.OrdinalIgnoreCase);
        output.WriteLine("a recovery code worked exactly once");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        await _postgres.DisposeAsync();
    }

    private static Task<HttpResponseMessage> TenantClientCreate(HttpClient http) => TenantClient.CreateAsync(http, Tenant);
}
