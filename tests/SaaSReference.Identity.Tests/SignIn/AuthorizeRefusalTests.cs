using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>9.2.3a: whoever must use MFA gets no authorization code until the session has passed it.</summary>
[Collection(SignInCollection.Name)]
public sealed class AuthorizeRefusalTests(SignInEnvironment factory)
{
    [Fact]
    public async Task Authorize_OperatorAfterPasswordOnly_IsSentToEnrollmentAndGetsNoCode()
    {
        using var browser = factory.NewBrowser();
        var client = new OidcClient();

        var page = await Flow.SignInAsync(browser, client, TestPeople.Operator, tenant: null);
        Assert.Equal(Flow.EnrollPage, page.Path);

        // The half-finished sign-in is no session: the client's request starts the sign-in over.
        var again = await browser.GetAsync(client.AuthorizeUrl);
        Assert.False(again.LeftService);
        Assert.Equal(Flow.TenantPage, again.Path);
    }

    [Fact]
    public async Task Authorize_PrivilegedSessionThatPassedOnlyThePassword_AccessDeniedWithoutCode()
    {
        var cookie = await PasswordOnlySessionCookieAsync(TestPeople.PasswordOnlyOperator);
        using var http = factory.Identity.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var client = new OidcClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, client.AuthorizeUrl);
        request.Headers.Add("Cookie", cookie);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal(TestSeed.RedirectUri, location.GetLeftPart(UriPartial.Path));
        var query = System.Web.HttpUtility.ParseQueryString(location.Query);
        Assert.Equal("access_denied", query["error"]);
        Assert.Null(query["code"]);
    }

    [Fact]
    public async Task SignIn_TenantThatRequiresMfa_TenantUserMustEnrollFirst()
    {
        await factory.RequireMfaForTenantAsync("tenant-p");
        using var browser = factory.NewBrowser();
        var client = new OidcClient();

        var page = await Flow.SignInAsync(browser, client, TestPeople.PolicyTenantUser, "tenant-p");

        Assert.Equal(Flow.EnrollPage, page.Path);
        Assert.Equal(Flow.TenantPage, (await browser.GetAsync(client.AuthorizeUrl)).Path);
    }

    [Fact]
    public async Task Pages_EveryResponse_NoStoreNoFramingAndAntiforgeryRequired()
    {
        using var browser = factory.NewBrowser();
        var page = await browser.GetAsync(Flow.TenantPage);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.True(page.Response.Headers.CacheControl?.NoStore);
        Assert.Contains("frame-ancestors 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.NotNull(page.Document.QuerySelector("a.skip-link[href='#main']"));
        Assert.NotNull(page.Document.QuerySelector("label[for=tenant-id]"));

        using var forged = new FormUrlEncodedContent(new Dictionary<string, string> { ["TenantId"] = "tenant-a", ["Kind"] = "tenant" });
        using var response = await browser.Http.PostAsync(new Uri(Flow.TenantPage, UriKind.Relative), forged);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        // As a browser asks for it (compression accepted): the stylesheet must arrive whole, not empty.
        using var cssRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/identity/css/site.css", UriKind.Relative));
        cssRequest.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using var css = await browser.Http.SendAsync(cssRequest);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".skip-link", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // An Identity application cookie as a sign-in that stopped after the password would have produced it, had the
    // flow issued one: written by SignInManager with the service's own data protection.
    private async Task<string> PasswordOnlySessionCookieAsync(string email)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PlatformUser>>();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PlatformUser>>();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.PathBase = "/identity";
        signIn.Context = context;
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"No user {email}.");

        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", "pwd")]);

        var cookies = context.Response.Headers.SetCookie.Select(c => c!.Split(';')[0]).ToList();
        Assert.Single(cookies);
        return cookies[0];
    }
}
