using Microsoft.Net.Http.Headers;
using SaaSReference.Gateway.Http;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace SaaSReference.Gateway.Extensions;

/// <summary>Transforms applied to every route, whatever the configuration says.</summary>
internal static class ForwardingTransforms
{
    public static void Apply(TransformBuilderContext context)
    {
        // The gateway is the first hop the platform trusts: Set (not Append) replaces any X-Forwarded-* a client
        // sent, so a client cannot pose as an earlier proxy and spoof its address, host or scheme downstream.
        context.AddXForwarded(ForwardedTransformActions.Set);
        // The RFC 7239 header is not produced here, so a client-sent one could only be a spoof.
        context.AddRequestHeaderRemove("Forwarded");

        // One id per request, made here: an id from outside could collide with another request's on purpose.
        context.AddRequestTransform(transform =>
        {
            transform.ProxyRequest.Headers.Remove(RequestIdMiddleware.HeaderName);
            transform.ProxyRequest.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, transform.HttpContext.TraceIdentifier);
            return ValueTask.CompletedTask;
        });

        // Destinations run Kestrel too; their Server header would say so.
        context.AddResponseHeaderRemove(HeaderNames.Server, ResponseCondition.Always);
    }
}
