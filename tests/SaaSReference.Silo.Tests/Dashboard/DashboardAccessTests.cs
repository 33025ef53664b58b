using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Dashboard;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Dashboard;

/// <summary>
/// The Orleans dashboard on the silo's API (docs/dashboard.md): 9.4.4b, 9.1.2 every endpoint it maps (page, assets,
/// data) is for operators only (anonymous 401; tenant admins, tenant users, auditors and approvers 403); 12.4.3a opening
/// the page is recorded with the operator as actor before it is answered, polling its data is not; 8.1.1a the views that
/// would show tenants' data are refused and the data it serves carries none; <c>Dashboard:Enabled</c> = false removes it.
/// </summary>
[Collection(SecuredSiloCollection.Name)]
public sealed partial class DashboardAccessTests(SecuredSiloFactory factory)
{
    private static readonly string[] ExpectedPages = ["/dashboard/", "/dashboard/index.html"];

    private static readonly string[] ExpectedAssets =
        ["/dashboard/favicon.ico", "/dashboard/index.min.js", "/dashboard/index.css", "/dashboard/fonts/", "/dashboard/img/"];

    private static readonly string[] ExpectedData =
    [
        "/dashboard/version", "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/Reminders",
        "/dashboard/HistoricalStats/", "/dashboard/SiloProperties/", "/dashboard/SiloStats/", "/dashboard/SiloCounters/",
        "/dashboard/GrainStats/", "/dashboard/TopGrainMethods", "/dashboard/GrainTypes",
    ];

    private static readonly string[] ExpectedRefused = ["/dashboard/GrainState", "/dashboard/Trace"];

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static IReadOnlyList<RouteEndpoint> DashboardEndpointsOf(IServiceProvider services) =>
        [.. services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => (e.RoutePattern.RawText ?? "").StartsWith(DashboardEndpoints.Path, StringComparison.OrdinalIgnoreCase))];

    /// <summary>A request path for a route pattern: each parameter becomes "1".</summary>
    private static string Concrete(RoutePattern pattern) => ParameterPattern().Replace(pattern.RawText!, "1");

    private HttpClient Client(string? token, bool followRedirects = true)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    private async Task<IReadOnlyList<AuditRecord>> DashboardOpenedByAsync(string actor)
    {
        var now = DateTimeOffset.UtcNow;
        var page = await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(null, AuditEventTypes.DashboardOpened.Name, actor, now.AddHours(-1), now.AddMinutes(1), 500, null));
        return page.Records;
    }

    [Fact]
    public void Endpoints_EveryDashboardRoute_RequiresTheOperatorPolicyAndIsClassified()
    {
        var endpoints = DashboardEndpointsOf(factory.Services);
        var byKind = endpoints.ToLookup(e => e.Metadata.GetMetadata<DashboardEndpointMetadata>()?.Kind);

        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e =>
        {
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            Assert.True(policies.Contains(DashboardEndpoints.Policy), $"{e.RoutePattern.RawText}: policies [{string.Join(", ", policies)}]");
            Assert.Empty(e.Metadata.GetOrderedMetadata<IAllowAnonymous>());
            Assert.NotNull(e.Metadata.GetMetadata<DashboardEndpointMetadata>());
        });
        // Every route the package maps is one of these (a new one would be refused until reviewed, and show up here).
        Assert.Null(byKind[null].FirstOrDefault());
        AssertKind(byKind[DashboardEndpointKind.Page], ExpectedPages);
        AssertKind(byKind[DashboardEndpointKind.Asset], ExpectedAssets);
        AssertKind(byKind[DashboardEndpointKind.Data], ExpectedData);
        AssertKind(byKind[DashboardEndpointKind.Refused], ExpectedRefused);

        static void AssertKind(IEnumerable<RouteEndpoint> endpoints, string[] expectedPrefixes)
        {
            var raw = endpoints.Select(e => e.RoutePattern.RawText!).ToList();
            Assert.All(expectedPrefixes, expected => Assert.Contains(raw, r => r.StartsWith(expected, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task EveryRoute_AnonymousTenantAdminTenantUserAuditorApprover_401Or403Problem()
    {
        var tenant = Unique("dash");
        using var anonymous = Client(null);
        using var tenantAdmin = Client(factory.Tokens.TenantAdmin(tenant, "admin-dash"));
        using var tenantUser = Client(factory.Tokens.TenantUser(tenant, "user-dash"));
        using var auditor = Client(factory.Tokens.Operator("aud-dash", "auditor"));
        using var approver = Client(factory.Tokens.Operator("appr-dash", "approver"));

        foreach (var endpoint in DashboardEndpointsOf(factory.Services))
        {
            var path = Concrete(endpoint.RoutePattern);
            await IsProblemAsync(await anonymous.GetAsync(path), HttpStatusCode.Unauthorized);
            foreach (var refused in new[] { tenantAdmin, tenantUser, auditor, approver })
            {
                await IsProblemAsync(await refused.GetAsync(path), HttpStatusCode.Forbidden);
            }
        }
        Assert.Empty(await DashboardOpenedByAsync("aud-dash"));
        Assert.Empty(await DashboardOpenedByAsync("admin-dash"));
    }

    [Fact]
    public async Task Page_Operator_200HtmlAndRecordedWithTheOperatorAsActor()
    {
        var subject = Unique("op-dash");
        using var http = Client(factory.Tokens.Operator(subject));

        using var response = await http.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        // Committed before the answer: no flush needed to find it.
        var record = Assert.Single(await DashboardOpenedByAsync(subject));
        Assert.Equal(("platform", "success", "/dashboard/"), (record.Chain, record.Outcome, record.Fields["path"]));
        Assert.Null(record.TenantId);
    }

    [Fact]
    public async Task Page_WithoutTrailingSlash_RedirectsToThePageWithoutARecord()
    {
        var subject = Unique("op-redirect");
        using var http = Client(factory.Tokens.Operator(subject), followRedirects: false);

        using var response = await http.GetAsync("/dashboard");

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
        Assert.Empty(await DashboardOpenedByAsync(subject));
    }

    [Fact]
    public async Task Assets_Operator_200WithoutARecord()
    {
        var subject = Unique("op-assets");
        using var http = Client(factory.Tokens.Operator(subject));

        using var script = await http.GetAsync("/dashboard/index.min.js");
        using var style = await http.GetAsync("/dashboard/index.css");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (script.StatusCode, style.StatusCode));
        Assert.Empty(await DashboardOpenedByAsync(subject));
    }

    [Fact]
    public async Task Data_OperatorPolling_200JsonNoStoreAndNotRecorded()
    {
        var subject = Unique("op-poll");
        using var http = Client(factory.Tokens.Operator(subject));

        foreach (var path in new[] { "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/TopGrainMethods", "/dashboard/DashboardCounters" })
        {
            using var response = await http.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.NoStore, path);
            JsonSerializer.Deserialize<JsonElement>(text);
        }
        // The cluster's counters: hosts and grain statistics (filled in at the first sample, Dashboard:CounterUpdateInterval).
        var counters = await http.GetFromJsonAsync<JsonElement>("/dashboard/DashboardCounters");
        Assert.Equal(JsonValueKind.Array, counters.GetProperty("hosts").ValueKind);
        Assert.Equal(JsonValueKind.Array, counters.GetProperty("simpleGrainStats").ValueKind);
        Assert.Empty(await DashboardOpenedByAsync(subject));
    }

    [Fact]
    public async Task Data_AfterATenantWroteARecord_CarriesStatisticsButNotTheRecord()
    {
        var tenant = Unique("dash-data");
        var marker = "secret-" + Guid.NewGuid().ToString("N");
        using var operatorHttp = Client(factory.Tokens.Operator(Unique("op-data")));
        using (var created = await CreateAsync(operatorHttp, tenant))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using (var collection = await operatorHttp.PutAsync($"/api/tenants/{tenant}/collections/notes", Json("""{"classification":"confidential"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, collection.StatusCode);
        }
        using (var tenantHttp = Client(factory.Tokens.TenantUser(tenant, "user-data")))
        using (var put = await tenantHttp.PutAsync($"/api/tenants/{tenant}/records/notes/n1", Json($$"""{"text":"{{marker}}"}""")))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        var silo = Uri.EscapeDataString(factory.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString());
        var grainTypes = await operatorHttp.GetFromJsonAsync<string[]>("/dashboard/GrainTypes");
        var recordGrain = Assert.Single(grainTypes!, t => t.EndsWith(".TenantRecordGrain", StringComparison.Ordinal));
        var bodies = new List<string>();
        foreach (var path in new[]
        {
            "/dashboard/version", "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/Reminders", "/dashboard/Reminders/1",
            $"/dashboard/HistoricalStats/{silo}", $"/dashboard/SiloProperties/{silo}", $"/dashboard/SiloStats/{silo}",
            $"/dashboard/SiloCounters/{silo}", $"/dashboard/GrainStats/{recordGrain}", "/dashboard/TopGrainMethods",
        })
        {
            using var response = await operatorHttp.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
            bodies.Add(text);
        }
        // The grain state view would call the record grain's getters and answer the record itself: refused for everyone.
        using var state = await operatorHttp.GetAsync($"/dashboard/GrainState?grainId={tenant}/notes/n1&grainType={Uri.EscapeDataString(recordGrain)}");

        Assert.All(bodies, body => Assert.DoesNotContain(marker, body, StringComparison.Ordinal));
        var problem = await IsProblemAsync(state, HttpStatusCode.Forbidden);
        Assert.Equal(DashboardEndpoints.RefusedProblemType, problem.GetProperty("type").GetString());
        Assert.DoesNotContain(marker, problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedViews_Operator_403ProblemEvenForOperators()
    {
        using var http = Client(factory.Tokens.Operator(Unique("op-refused")));

        using var trace = await http.GetAsync("/dashboard/Trace");
        using var state = await http.GetAsync("/dashboard/GrainState?grainId=0&grainType=x");

        Assert.Equal(DashboardEndpoints.RefusedProblemType, (await IsProblemAsync(trace, HttpStatusCode.Forbidden)).GetProperty("type").GetString());
        Assert.Equal(DashboardEndpoints.RefusedProblemType, (await IsProblemAsync(state, HttpStatusCode.Forbidden)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Disabled_DashboardPath_404ProblemAndNoEndpoints()
    {
        await using var disabled = factory.WithWebHostBuilder(builder => builder.UseSetting("Dashboard:Enabled", "false"));
        using var http = disabled.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.Tokens.Operator(Unique("op-off")));

        using var page = await http.GetAsync("/dashboard/");
        using var data = await http.GetAsync("/dashboard/DashboardCounters");

        await IsProblemAsync(page, HttpStatusCode.NotFound);
        await IsProblemAsync(data, HttpStatusCode.NotFound);
        Assert.Empty(DashboardEndpointsOf(disabled.Services));
    }

    [Theory]
    [InlineData("/dashboard/", DashboardEndpointKind.Page)]
    [InlineData("/dashboard/index.html", DashboardEndpointKind.Page)]
    [InlineData("/dashboard/fonts/{**path}", DashboardEndpointKind.Asset)]
    [InlineData("/dashboard/Reminders/{page:int}", DashboardEndpointKind.Data)]
    [InlineData("/dashboard/GrainStats/{*grainName}", DashboardEndpointKind.Data)]
    [InlineData("/dashboard/GrainState", DashboardEndpointKind.Refused)]
    [InlineData("/dashboard/Trace", DashboardEndpointKind.Refused)]
    [InlineData("/dashboard/SomethingNew", DashboardEndpointKind.Refused)]
    [InlineData("/dashboardx/index.html", DashboardEndpointKind.Refused)]
    [InlineData("/api/tenants", DashboardEndpointKind.Refused)]
    public void Classify_Route_KindByFirstSegment(string pattern, DashboardEndpointKind expected) =>
        Assert.Equal(expected, DashboardEndpoints.Classify(RoutePatternFactory.Parse(pattern)));

    [Theory]
    [InlineData("00:00:00.500", 100, "00:01:00", "CounterUpdateInterval")]
    [InlineData("00:00:05", 0, "00:01:00", "HistoryLength")]
    [InlineData("00:00:05", 100, "00:00:00", "ProfilingIdleTimeout")]
    public void Options_OutOfRange_NamesTheSetting(string interval, int history, string idle, string setting)
    {
        var options = new SiloDashboardOptions
        {
            CounterUpdateInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture),
            HistoryLength = history,
            ProfilingIdleTimeout = TimeSpan.Parse(idle, System.Globalization.CultureInfo.InvariantCulture),
        };

        Assert.Contains(setting, options.Problem(), StringComparison.Ordinal);
        Assert.Null(new SiloDashboardOptions().Problem());
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex ParameterPattern();
}
