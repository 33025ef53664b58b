using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using SaaSReference.Gateway.Extensions;

namespace SaaSReference.Gateway.Http;

/// <summary>
/// Answers 413 at once when the declared Content-Length is over the limit, before a destination is bothered.
/// Kestrel enforces the same limit on bodies without a length (chunked) and then answers 413 itself.
/// The empty 413 becomes problem details in the status code pages middleware.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        var limit = IsUpload(context.Request) ? options.CurrentValue.MaxUploadBodyBytes : options.CurrentValue.MaxRequestBodyBytes;
        if (canHaveBody && context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return Task.CompletedTask;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limit;
        }
        return next(context);
    }

    /// <summary>PUT of a tenant's file (<c>/api/tenants/{id}/files/{collection}/{file}</c>) or POST of an import archive.</summary>
    internal static bool IsUpload(HttpRequest request)
    {
        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments is ["api", "tenants", _, "files", _, _] && HttpMethods.IsPut(request.Method)
            || segments is ["api", "tenants", _, "import"] && HttpMethods.IsPost(request.Method);
    }
}
