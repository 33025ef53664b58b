using Microsoft.AspNetCore.Diagnostics;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Quotas;

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
        if (exception is TenantQuotaException quota)
        {
            return await WriteQuotaProblemAsync(httpContext, quota);
        }
        // 10.1.2b, 8.1.5d: a revoked or destroyed key, or dropped storage, from any data path.
        if (SaaSReference.Silo.TenantData.TenantDataProblems.From(exception) is { } unavailable)
        {
            await unavailable.ExecuteAsync(httpContext);
            return true;
        }
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            SiloUnavailableException or OrleansMessageRejectionException or TimeoutException =>
                (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", "The cluster is recovering from the loss of a node; retry shortly."),
            // PostgreSQL restarting or unreachable, directly or through a grain: nothing was acknowledged; retry.
            _ when IsDatabaseUnavailable(exception) =>
                (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", "The database is not reachable at the moment; nothing was stored. Retry shortly."),
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

    /// <summary>A call the tenant's quotas refused before it did anything (12.1.3a-c): the limit named, never internals.</summary>
    private async ValueTask<bool> WriteQuotaProblemAsync(HttpContext httpContext, TenantQuotaException quota)
    {
        var (status, title, type) = quota.Kind switch
        {
            QuotaKind.Frozen => (StatusCodes.Status403Forbidden, "Tenant frozen", QuotaProblems.FrozenType),
            QuotaKind.Storage => (StatusCodes.Status413PayloadTooLarge, "Storage quota exceeded", QuotaProblems.QuotaExceededType),
            QuotaKind.DailyRequests => (StatusCodes.Status429TooManyRequests, "Daily request quota exceeded", QuotaProblems.QuotaExceededType),
            QuotaKind.Concurrency => (StatusCodes.Status429TooManyRequests, "Too many concurrent operations", QuotaProblems.QuotaExceededType),
            _ => (StatusCodes.Status404NotFound, "Tenant not found", "about:blank"),
        };
        if (quota.RetryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = quota,
            ProblemDetails = { Status = status, Title = title, Type = type, Detail = quota.Message, Extensions = { ["quota"] = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(quota.Kind.ToString()) } },
        });
    }

    /// <summary>
    /// A transient database failure anywhere in the exception's chain (an Orleans wrapper around it included): a connection
    /// that failed, or the server refusing connections while it shuts down or starts up (SQLSTATE class 08, 57P01-57P03,
    /// 53300). A <see cref="Npgsql.PostgresException"/> that crossed a grain call arrives without its SQLSTATE property
    /// (Orleans copies type, message and stack), so its message, which begins with the SQLSTATE, is read too.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Npgsql.NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException
                || (current is Npgsql.PostgresException postgres && (IsUnavailableState(postgres.SqlState) || IsUnavailableState(StateOf(postgres.Message)))))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsUnavailableState(string? state) =>
        state is { Length: 5 } && (state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" or "53300");

    private static string? StateOf(string message) => message.Length > 6 && message[5] == ':' ? message[..5] : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 503 after {ExceptionType}: {Message}")]
    private static partial void LogClusterUnavailable(ILogger logger, string exceptionType, string message);
}
