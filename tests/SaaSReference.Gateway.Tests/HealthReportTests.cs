using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Gateway.Apis;
using SaaSReference.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;
using static SaaSReference.Gateway.Tests.Infrastructure.GatewayStack;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;

namespace SaaSReference.Gateway.Tests;

public sealed class HealthReportTests(ITestOutputHelper output)
{
    private static Dictionary<string, string?> FastProbes() => new(
        ForEveryCluster("HealthCheck:Active:Interval", "00:00:00.500")
            .Concat(ForEveryCluster("HealthCheck:Active:Timeout", "00:00:00.500")));

    [Fact]
    public async Task Health_EveryDestinationUp_Returns200ListingEveryDestinationUncached()
    {
        await using var stack = await StartAsync(output, FastProbes());
        await stack.WaitForAllProbedHealthyAsync();

        using var response = await stack.Client.GetAsync(GatewayHealthApi.Path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var report = JsonSerializer.Deserialize<GatewayHealthReport>(await response.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!;
        Assert.Equal("Healthy", report.Status);
        Assert.Equal(["identity", "silo"], report.Clusters.Select(c => c.Id));
        var listed = report.Clusters.SelectMany(c => c.Destinations).ToDictionary(d => d.Id, d => d.Address);
        Assert.Equal(stack.Destinations.ToDictionary(d => d.Name, d => d.Address), listed);
        Assert.All(report.Clusters.SelectMany(c => c.Destinations), d => Assert.NotNull(d.Passive));
    }

    [Fact]
    public async Task Health_WholeClusterDown_Returns503ReportAndProxyAnswers503ProblemDetails()
    {
        await using var stack = await StartAsync(output, FastProbes());
        await stack.WaitForAllProbedHealthyAsync();

        await stack["identity-1"].StopAsync();
        await stack["identity-2"].StopAsync();
        await stack.WaitForHealthAsync("identity cluster out of rotation", r => r.Status == "Unhealthy");

        using var response = await stack.Client.GetAsync(GatewayHealthApi.Path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var report = JsonSerializer.Deserialize<GatewayHealthReport>(await response.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!;
        var identity = report.Clusters.Single(c => c.Id == "identity");
        Assert.Equal(0, identity.Available);
        Assert.All(identity.Destinations, d => Assert.False(d.InRotation));
        Assert.Equal(3, report.Clusters.Single(c => c.Id == "silo").Available);

        using var proxied = await stack.Client.GetAsync("/identity/connect/token");
        await IsProblemAsync(proxied, HttpStatusCode.ServiceUnavailable);
        using var silo = await stack.Client.GetAsync("/api/ping");
        Assert.Equal(HttpStatusCode.OK, silo.StatusCode);
    }

    [Fact]
    public async Task Errors_UnhandledException_Returns500ProblemDetailsWithoutInternals()
    {
        await using var stack = await StartAsync(output,
            services: s => s.AddSingleton<IProxyStateLookup, ThrowingProxyStateLookup>());

        using var response = await stack.Client.GetAsync(GatewayHealthApi.Path);

        await IsProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain(ThrowingProxyStateLookup.Secret, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private sealed class ThrowingProxyStateLookup : IProxyStateLookup
    {
        public const string Secret = "connection-string-password";

        public IEnumerable<ClusterState> GetClusters() => throw new InvalidOperationException(Secret);
        public IEnumerable<RouteModel> GetRoutes() => throw new InvalidOperationException(Secret);
        public bool TryGetCluster(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ClusterState? cluster) => throw new InvalidOperationException(Secret);
        public bool TryGetRoute(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RouteModel? route) => throw new InvalidOperationException(Secret);
    }
}
