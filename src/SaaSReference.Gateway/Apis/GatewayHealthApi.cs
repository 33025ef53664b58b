using Microsoft.AspNetCore.Http.HttpResults;
using Yarp.ReverseProxy;

namespace SaaSReference.Gateway.Apis;

/// <summary>
/// <c>GET /health</c>: the state of every downstream cluster as the proxy sees it. The gateway's own liveness and
/// readiness are <c>/health/live</c> and <c>/health/ready</c> (service defaults).
/// </summary>
public static class GatewayHealthApi
{
    public const string Path = "/health";

    public static RouteHandlerBuilder MapGatewayHealthApi(this IEndpointRouteBuilder app) =>
        app.MapGet(Path, GetHealth).DisableHttpMetrics();

    /// <summary>200 while every cluster has a destination in rotation, 503 otherwise; never cached.</summary>
    public static JsonHttpResult<GatewayHealthReport> GetHealth(IProxyStateLookup proxyState, HttpResponse response)
    {
        var report = GatewayHealthReport.From(proxyState.GetClusters());
        response.Headers.CacheControl = "no-store";
        return TypedResults.Json(report, statusCode: report.Status == GatewayHealthReport.Unhealthy
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status200OK);
    }
}
