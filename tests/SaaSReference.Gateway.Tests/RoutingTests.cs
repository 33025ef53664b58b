using System.Net;
using SaaSReference.Gateway.Tests.Infrastructure;
using static SaaSReference.Gateway.Tests.Infrastructure.ProblemDetailsAssert;

namespace SaaSReference.Gateway.Tests;

public sealed class RoutingTests(SharedGatewayFixture fixture) : IClassFixture<SharedGatewayFixture>
{
    private HttpClient Client => fixture.Stack.Client;

    [Fact]
    public async Task Routing_ApiPath_ReachesASiloWithPathUnchanged()
    {
        using var response = await Client.GetAsync("/api/tenants/42?x=1");

        var echo = await ReadEchoAsync(response);
        Assert.StartsWith("silo-", echo.Backend, StringComparison.Ordinal);
        Assert.Equal("/api/tenants/42", echo.Path);
    }

    [Fact]
    public async Task Routing_IdentityPath_ReachesAnIdentityInstanceWithPathUnchanged()
    {
        using var response = await Client.GetAsync("/identity/connect/authorize");

        var echo = await ReadEchoAsync(response);
        Assert.StartsWith("identity-", echo.Backend, StringComparison.Ordinal);
        Assert.Equal("/identity/connect/authorize", echo.Path);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/apix/tenants")]
    [InlineData("/other/api/tenants")]
    [InlineData("/health/ready/x")]
    public async Task Routing_UnknownPath_Returns404ProblemDetails(string path)
    {
        using var response = await Client.GetAsync(path);

        await IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.DoesNotContain(fixture.Stack.Destinations.SelectMany(d => d.Requests), r => r.Path == path);
    }

    [Fact]
    public async Task Routing_DestinationAnswersErrorWithoutBody_PassesThroughUntouched()
    {
        using var response = await Client.GetAsync("/api/status/404");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Forwarding_AnyRequest_GetsOneRequestIdSharedWithTheDestination()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ping");
        request.Headers.Add("X-Request-Id", "client-chosen");

        using var response = await Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        var returned = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Equal(returned, echo.XRequestId);
        Assert.NotEqual("client-chosen", returned);
    }

    [Fact]
    public async Task Forwarding_ProxiedAndOwnResponses_CarryNoServerHeader()
    {
        using var proxied = await Client.GetAsync("/api/ping");
        using var own = await Client.GetAsync("/nowhere");

        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Empty(proxied.Headers.Server);
        Assert.Empty(own.Headers.Server);
    }

    [Fact]
    public async Task Forwarding_ClientSentForwardedHeaders_AreReplacedNotPassedThrough()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ping");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.66");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=203.0.113.66");

        using var response = await Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal("127.0.0.1", echo.XForwardedFor);
        Assert.Equal($"127.0.0.1:{fixture.Stack.Host.Port}", echo.XForwardedHost);
        Assert.Equal("http", echo.XForwardedProto);
        Assert.Null(echo.Forwarded);
    }

    [Fact]
    public async Task Forwarding_ClientTraceContext_IsContinuedWithExactlyOneTraceparent()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/ping");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        var traceparent = Assert.Single(echo.TraceParent);
        var parts = traceparent.Split('-');
        Assert.Equal(traceId, parts[1]);
        Assert.NotEqual("00f067aa0ba902b7", parts[2]);
    }

    [Fact]
    public async Task BodyLimit_DeclaredLengthOverDefaultLimit_Returns413ProblemDetails()
    {
        using var content = new ByteArrayContent(new byte[(1024 * 1024) + 1]);

        using var response = await Client.PostAsync("/api/upload", content);

        await IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task BodyLimit_ChunkedBodyOverDefaultLimit_Returns413ProblemDetails()
    {
        using var content = new StreamContent(new MemoryStream(new byte[(1024 * 1024) + (64 * 1024)]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Client.SendAsync(request);

        await IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task BodyLimit_BodyAtTheLimit_IsForwardedWhole()
    {
        using var content = new ByteArrayContent(new byte[1024 * 1024]);

        using var response = await Client.PostAsync("/api/upload", content);

        var echo = await ReadEchoAsync(response);
        Assert.Equal(1024 * 1024, echo.BodyBytes);
        Assert.Equal("POST", echo.Method);
    }
    [Fact]
    public async Task BodyLimit_FileUploadRoute_TakesMoreThanTheDefault_StreamedChunked()
    {
        // A tenant's file upload streams through with its own, larger limit; the silo limits the file precisely.
        using var content = new StreamContent(new MemoryStream(new byte[3 * 1024 * 1024]));
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/tenants/acme/files/docs/big.bin") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await Client.SendAsync(request);

        var echo = await ReadEchoAsync(response);
        Assert.Equal(3 * 1024 * 1024, echo.BodyBytes);
    }

    [Fact]
    public async Task BodyLimit_OtherRoutesOfATenant_KeepTheDefault()
    {
        using var content = new ByteArrayContent(new byte[(1024 * 1024) + 1]);

        using var response = await Client.PutAsync("/api/tenants/acme/records/docs/r1", content);

        await IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }
}
