using Microsoft.AspNetCore.Http;

namespace SaaSReference.ServiceDefaults.Http;

/// <summary>6.2.1c: API answers carry tenant and operator data; no client or intermediary may cache them.</summary>
public static class NoStore
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return await next(context);
    }
}
