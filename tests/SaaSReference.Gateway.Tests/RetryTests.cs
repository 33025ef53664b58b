using System.Net;
using SaaSReference.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;
using static SaaSReference.Gateway.Tests.Infrastructure.GatewayStack;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;

namespace SaaSReference.Gateway.Tests;

/// <summary>
/// A destination dies and the health checks have not noticed (one probe at start, then none for ten minutes;
/// a single failed probe is below the threshold of 2): only the retry of safe requests can save the request.
/// Load balancing picks silo-1 first whenever it is in rotation, so every request meets the dead destination first.
/// </summary>
public sealed class RetryTests(ITestOutputHelper output)
{
    private static Dictionary<string, string?> Settings(int? maxAttempts = null)
    {
        var settings = new Dictionary<string, string?>(
            ForEveryCluster("HealthCheck:Active:Interval", "00:10:00")
                .Concat(ForEveryCluster("LoadBalancingPolicy", "FirstAlphabetical")));
        if (maxAttempts is { } attempts)
        {
            settings["Gateway:Retry:MaxAttempts"] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return settings;
    }

    [Fact]
    public async Task Retry_GetWhileDestinationDeadUnnoticed_SucceedsOnAnotherDestination()
    {
        await using var stack = await StartAsync(output, Settings());
        await stack["silo-1"].StopAsync();

        // Fewer requests than the passive check needs (10) to judge: silo-1 stays in rotation throughout.
        for (var i = 0; i < 3; i++)
        {
            using var response = await stack.Client.GetAsync($"/api/tenants/{i}");

            Assert.Equal("silo-2", (await ReadEchoAsync(response)).Backend);
        }
        var (_, report) = await stack.GetHealthAsync();
        Assert.True(Find(report, "silo-1").InRotation, "the health checks noticed: the test no longer tests the retry");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Retry_UnsafeMethodWhileDestinationDeadUnnoticed_IsNotRetriedAndGets502ProblemDetails(string method)
    {
        await using var stack = await StartAsync(output, Settings());
        await stack["silo-1"].StopAsync();

        using var request = new HttpRequestMessage(new HttpMethod(method), "/api/tenants") { Content = new StringContent("{}") };
        using var response = await stack.Client.SendAsync(request);

        await IsProblemAsync(response, HttpStatusCode.BadGateway);
        Assert.Empty(stack.Destinations.SelectMany(d => d.Requests));
    }

    [Fact]
    public async Task Retry_GetWithEveryAttemptFailing_StopsAfterConfiguredMaxAttempts()
    {
        await using var stack = await StartAsync(output, Settings(maxAttempts: 2));
        await stack["silo-1"].StopAsync();
        await stack["silo-2"].StopAsync();

        using var response = await stack.Client.GetAsync("/api/tenants");

        await IsProblemAsync(response, HttpStatusCode.BadGateway);
        Assert.Empty(stack["silo-3"].Requests);
    }
}
