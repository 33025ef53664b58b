using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>What a fake destination answers: who it is and what the gateway sent it.</summary>
public sealed record Echo(
    string Backend, string Method, string Path, long BodyBytes,
    string? XForwardedFor, string? XForwardedHost, string? XForwardedProto, string? Forwarded,
    string? XRequestId, string[] TraceParent, string? Authorization = null, string? Cookie = null, string? Baggage = null);

/// <summary>
/// A stand-in for a silo or identity instance: a real Kestrel host on a fixed loopback port that answers
/// <c>/health/ready</c> and echoes every other request. It can be stopped (a dead destination) and started
/// again on the same port (a destination coming back).
/// </summary>
public sealed class FakeDestination(string name) : IAsyncDisposable
{
    public const string BackendHeader = "X-Backend";

    private readonly ConcurrentQueue<(string Method, string Path)> _requests = new();
    private WebApplication? _app;

    public string Name { get; } = name;
    public int Port { get; } = FreePort.Next();
    public string Address => $"http://127.0.0.1:{Port}/";

    /// <summary>The requests that reached this destination, health probes excluded.</summary>
    public IReadOnlyCollection<(string Method, string Path)> Requests => _requests;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapGet("/health/ready", () => "Healthy");
        // An answer of the destination's own with an error status and an empty chunked body (no Content-Length,
        // no Content-Type), e.g. /api/status/404: the kind the gateway's status code pages would otherwise rewrite.
        app.Map("/api/status/{code:int}", async (HttpContext context, int code) =>
        {
            context.Response.StatusCode = code;
            await context.Response.StartAsync();
        });
        app.Map("/{**path}", EchoAsync);
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task EchoAsync(HttpContext context)
    {
        _requests.Enqueue((context.Request.Method, context.Request.Path.Value ?? ""));
        long bytes = 0;
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            bytes += read;
        }

        var headers = context.Request.Headers;
        context.Response.Headers[BackendHeader] = Name;
        await context.Response.WriteAsJsonAsync(new Echo(
            Name, context.Request.Method, context.Request.Path.Value ?? "", bytes,
            headers["X-Forwarded-For"], headers["X-Forwarded-Host"], headers["X-Forwarded-Proto"], headers["Forwarded"],
            headers["X-Request-Id"], headers["traceparent"].Select(v => v ?? "").ToArray(),
            headers.Authorization.Count == 0 ? null : headers.Authorization.ToString(),
            headers.Cookie.Count == 0 ? null : headers.Cookie.ToString(),
            headers["baggage"].Count == 0 ? null : headers["baggage"].ToString()));
    }
}
