using Microsoft.AspNetCore.Diagnostics;
using Yarp.ReverseProxy.Forwarder;

namespace SaaSReference.Gateway.Proxy;

/// <summary>
/// Outermost step of the proxy pipeline. An error the gateway itself answers (502, 503, 504) has no body, so the
/// status code pages middleware writes it as problem details; but a response that came from a destination is the
/// destination's answer and passes through untouched, even an error without a body.
/// </summary>
/// <remarks>
/// A body over the size limit needs nothing here: Kestrel answers 413 itself when it stops reading a chunked body
/// (<see cref="Http.RequestBodyLimitMiddleware"/> handles a declared Content-Length before forwarding).
/// </remarks>
internal sealed class ProxyErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is null)
        {
            context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
        }
    }
}
