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
        if (canHaveBody && context.Request.ContentLength > options.CurrentValue.MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return Task.CompletedTask;
        }
        return next(context);
    }
}
