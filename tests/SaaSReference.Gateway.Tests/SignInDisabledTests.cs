using System.Net;
using SaaSReference.Gateway.Tests.Infrastructure;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;

namespace SaaSReference.Gateway.Tests;

/// <summary>Without Gateway:Identity:Authority the gateway is the pure proxy it was before sign-in existed.</summary>
public sealed class SignInDisabledTests(SharedGatewayFixture fixture) : IClassFixture<SharedGatewayFixture>
{
    [Theory]
    [InlineData("GET", "/me")]
    [InlineData("GET", "/login")]
    [InlineData("POST", "/logout")]
    [InlineData("GET", "/signin-oidc")]
    public async Task SignIn_NoAuthority_SessionEndpointsAre404Problem(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await fixture.Stack.Client.SendAsync(request);

        await IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SignIn_NoAuthority_ApiRequestIsForwardedAsSent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tenants") { Content = new StringContent("{}") };
        request.Headers.Add("Cookie", "SaaSReference.Session=abc");

        using var response = await fixture.Stack.Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal("SaaSReference.Session=abc", echo.Cookie);
        Assert.Null(echo.Authorization);
    }
}
