using System.Net;
using Microsoft.AspNetCore.Http;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Gateway.RateLimiting;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Gateway.Tests.RateLimiting;
using SaaSReference.Testing;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;
using static SaaSReference.Gateway.Tests.Infrastructure.SignInStack;

namespace SaaSReference.Gateway.Tests;

/// <summary>
/// 9.4.4b, 9.1.2a: the silos' Orleans dashboard is reached through the gateway, the only public entry, at
/// <c>/dashboard</c>: forwarded to the silo cluster with the path unchanged; nothing next to it is.
/// </summary>
public sealed class DashboardRoutingTests(SharedGatewayFixture fixture) : IClassFixture<SharedGatewayFixture>
{
    private HttpClient Client => fixture.Stack.Client;

    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/")]
    [InlineData("/dashboard/index.min.js")]
    [InlineData("/dashboard/DashboardCounters")]
    [InlineData("/dashboard/SiloStats/127.0.0.1:11111@1")]
    public async Task Routing_DashboardPath_ReachesASiloWithPathUnchanged(string path)
    {
        using var response = await Client.GetAsync(path);

        var echo = await ReadEchoAsync(response);
        Assert.StartsWith("silo-", echo.Backend, StringComparison.Ordinal);
        Assert.Equal(path, echo.Path);
    }

    [Theory]
    [InlineData("/dashboardx")]
    [InlineData("/dashboards/index.html")]
    [InlineData("/other/dashboard")]
    public async Task Routing_PathNextToTheDashboard_Returns404ProblemDetails(string path)
    {
        using var response = await Client.GetAsync(path);

        await IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.DoesNotContain(fixture.Stack.Destinations.SelectMany(d => d.Requests), r => r.Path == path);
    }

    [Theory]
    [InlineData("/dashboard", AdmissionScope.Api)]
    [InlineData("/dashboard/DashboardCounters", AdmissionScope.Api)]
    [InlineData("/Dashboard/", AdmissionScope.Api)]
    [InlineData("/dashboardx", AdmissionScope.None)]
    public void Admission_DashboardPath_IsAdmittedLikeTheApi(string path, AdmissionScope expected) =>
        Assert.Equal(expected, AdmissionScopes.Of(new PathString(path)));
}

/// <summary>
/// An operator opens the dashboard in a browser: the gateway session (cookie) carries them. Its page polls with GET, which
/// needs no CSRF header; the session's access token is attached and the session cookie is not forwarded (13.2.2c).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DashboardSessionTests(PostgresFixture postgres, ITestOutputHelper output) : SignInStackTests(postgres, output)
{
    [Theory]
    [InlineData("/dashboard/")]
    [InlineData("/dashboard/DashboardCounters")]
    [InlineData("/dashboard/ClusterStats")]
    public async Task Session_DashboardGetWithCookieWithoutCsrfHeader_ReachesTheSiloWithTheSessionsBearer(string path)
    {
        var (_, cookie) = await Stack.SignInAsync(accessToken: "operator-access");

        using var request = Request(HttpMethod.Get, path, cookie + "; theme=dark");
        using var response = await Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal(("GET", path), (echo.Method, echo.Path));
        Assert.Equal("Bearer operator-access", echo.Authorization);
        Assert.Equal("theme=dark", echo.Cookie);
    }

    [Fact]
    public async Task Session_DashboardWithoutSession_IsForwardedWithoutAuthorizationForTheSiloToRefuse()
    {
        using var response = await Stack.Client.GetAsync("/dashboard/");

        var echo = await ReadEchoAsync(response);
        Assert.Null(echo.Authorization);
    }
}

/// <summary>
/// 12.1.3b/c with the admission control on: the dashboard is admitted like the API, so an operator's page load and polling
/// are charged to the operator's own staff bucket (the default one is far above what the page asks for), while a frozen
/// tenant's caller is refused at the gateway and never reaches a silo.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DashboardAdmissionTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Admission_OperatorPageLoadAndPolling_AdmittedAsStaff()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        var operatorToken = stack.StaffToken("op-dashboard");
        string[] pageLoad = ["/dashboard/", "/dashboard/index.min.js", "/dashboard/index.css", "/dashboard/favicon.ico", "/dashboard/version"];
        var polls = Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? "/dashboard/DashboardCounters" : "/dashboard/ClusterStats");

        foreach (var path in pageLoad.Concat(polls))
        {
            using var response = await stack.SendAsync(HttpMethod.Get, path, bearer: operatorToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("\"staff\";", response.Headers.GetValues(RateLimitHeaders.PolicyField).Single(), StringComparison.Ordinal);
        }
        Assert.Equal(15, stack.SiloRequests("/dashboard/DashboardCounters"));
    }

    [Fact]
    public async Task Admission_FrozenTenantsCaller_RefusedAtTheGatewayNotForwarded()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync("frozen-co", QuotaOverrides.None, TenantStatus.Frozen);

        using var response = await stack.SendAsync(HttpMethod.Get, "/dashboard/DashboardCounters", bearer: stack.Token("frozen-co"));

        await IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(0, stack.SiloRequests("/dashboard/DashboardCounters"));
    }
}
