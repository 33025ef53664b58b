using Microsoft.AspNetCore.Diagnostics;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// Turns failures into problem details with the right status and no internals: a cluster that is losing or
/// regaining a silo answers 503 with Retry-After (the caller retries; Orleans itself never does), a malformed
/// request that Kestrel or binding rejected keeps its 4xx. Anything else is left to the default 500 answer.
/// </summary>
public sealed partial class ClusterExceptionHandler(IProblemDetailsService problems, ILogger<ClusterExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            SiloUnavailableException or OrleansMessageRejectionException or TimeoutException =>
                (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", "The cluster is recovering from the loss of a node; retry shortly."),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogClusterUnavailable(logger, exception.GetType().Name, exception.Message);
            httpContext.Response.Headers.RetryAfter = "1";
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 503 after {ExceptionType}: {Message}")]
    private static partial void LogClusterUnavailable(ILogger logger, string exceptionType, string message);
}
