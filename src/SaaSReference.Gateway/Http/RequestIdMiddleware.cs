namespace SaaSReference.Gateway.Http;

/// <summary>
/// Gives every request an <c>X-Request-Id</c> made by the gateway, used as the trace identifier in logs, forwarded
/// to the destination and returned to the client (also on the gateway's own error responses).
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Request-Id";

    public Task InvokeAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString("N");
        context.TraceIdentifier = requestId;
        // Set when the response starts: the proxy clears the headers when it answers an error or retries.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = requestId;
            return Task.CompletedTask;
        });
        return next(context);
    }
}
