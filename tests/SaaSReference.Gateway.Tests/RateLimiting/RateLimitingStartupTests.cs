using SaaSReference.Gateway.Tests.Infrastructure;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>The admission control is on unless switched off: without its database the gateway does not start.</summary>
public sealed class RateLimitingStartupTests
{
    [Fact]
    public async Task Enabled_NoConnectionString_RefusesToStart()
    {
        await using var host = new GatewayHost(new Dictionary<string, string?> { ["Gateway:RateLimiting:Enabled"] = "true" });

        var error = Assert.ThrowsAny<Exception>(host.StartServer);

        Assert.Contains("ConnectionStrings:platform", error.ToString(), StringComparison.Ordinal);
    }
}
