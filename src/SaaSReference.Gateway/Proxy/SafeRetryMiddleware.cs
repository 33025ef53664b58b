using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using SaaSReference.Gateway.Extensions;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace SaaSReference.Gateway.Proxy;

/// <summary>
/// Sends a safe request (GET, HEAD, OPTIONS without a body) to another available destination of the same cluster
/// when forwarding failed before any response was started, so that a client sees no error when one destination
/// dies before the health checks notice. Other methods are not idempotent and are never retried.
/// Sits before load balancing (each attempt is balanced among the destinations not tried yet) and before the
/// passive health check (each failed attempt counts against its destination).
/// </summary>
internal sealed partial class SafeRetryMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options, ILogger<SafeRetryMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var maxAttempts = options.CurrentValue.Retry.MaxAttempts;
        if (maxAttempts <= 1 || !IsRetriable(context.Request))
        {
            await next(context);
            return;
        }

        var proxy = context.GetReverseProxyFeature();
        var cluster = context.GetRouteModel().Cluster!;
        var tried = new List<DestinationState>(maxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            await next(context);

            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is null || !IsRetriable(error.Error) || context.Response.HasStarted
                || context.RequestAborted.IsCancellationRequested || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            tried.Add(failed);
            // The cluster's current view: the passive check may just have taken the failed destination out.
            var candidates = cluster.DestinationsState.AvailableDestinations.Where(d => !tried.Contains(d)).ToList();
            if (attempt >= maxAttempts || candidates.Count == 0)
            {
                return;
            }

            LogRetrying(logger, context.Request.Method, cluster.ClusterId, failed.DestinationId, error.Error, attempt + 1, maxAttempts);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            proxy.ProxiedDestination = null;
            proxy.AvailableDestinations = candidates;
        }
    }

    private static bool IsRetriable(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        // A body may have been read by the first attempt and cannot be sent again.
        && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;

    // The destination could not be reached or did not answer in time; nothing reached the client yet.
    private static bool IsRetriable(ForwarderError error) => error is ForwarderError.Request or ForwarderError.RequestTimedOut;

    [LoggerMessage(LogLevel.Warning, "{Method} to cluster {ClusterId} failed on destination {DestinationId} ({Error}); attempt {Attempt} of {MaxAttempts} on another destination.")]
    private static partial void LogRetrying(ILogger logger, string method, string clusterId, string destinationId, ForwarderError error, int attempt, int maxAttempts);
}
