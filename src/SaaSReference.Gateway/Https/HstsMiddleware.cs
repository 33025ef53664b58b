namespace SaaSReference.Gateway.Https;

/// <summary>
/// <c>Strict-Transport-Security</c> on every HTTPS response (6.2.1e), set as the response starts: the proxy and
/// the error handlers clear headers when they retry or rewrite a response, and a destination's own value must
/// not win. ASP.NET Core's HSTS middleware would also skip 127.0.0.1 and localhost, the very hosts served here.
/// </summary>
internal sealed class HstsMiddleware(RequestDelegate next)
{
    public const string Value = "max-age=31536000";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.StrictTransportSecurity = Value;
                return Task.CompletedTask;
            });
        }
        return next(context);
    }
}
