using System.Globalization;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;
using SaaSReference.Database.Audit.Review;

namespace SaaSReference.Silo.Audit;

/// <summary>
/// 12.4.3d, 9.4.4b: the privileged-use review report for a period, for operators and auditors; producing one is
/// itself recorded, committed before the report is answered.
/// </summary>
public static class AuditReviewApi
{
    public static IServiceCollection AddAuditReviews(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrivilegedUseReviewOptions>().Bind(configuration.GetSection(PrivilegedUseReviewOptions.Section))
            .Validate(options => options.Problems().Count == 0, "AuditReview settings are invalid (time zone, business hours or thresholds).")
            .ValidateOnStart();
        services.AddSingleton<PrivilegedUseReview>();
        return services;
    }

    public static IEndpointRouteBuilder MapAuditReviewApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit/reviews/privileged-use", ReviewAsync).RequireAuthorization(AuditApi.StaffReaders).AddEndpointFilter(NoStore.Filter);
        return app;
    }

    private static async Task<IResult> ReviewAsync(HttpContext http, PrivilegedUseReview review, IAuditTrail trail, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (from, to, errors) = PrivilegedUseReview.ParsePeriod(
            http.Request.Query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.Count == 1 ? q.Value[0] : null)), now);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid review period");
        }
        var actor = AuditActor.Of(http.User);
        var report = await review.ReviewAsync(from, to, actor, now, cancellationToken);
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.AuditReviewed, actor, null, http.Request.Path + http.Request.QueryString, "success",
            new Dictionary<string, string>
            {
                ["report"] = "privileged-use",
                ["from"] = from.ToString("O", CultureInfo.InvariantCulture),
                ["to"] = to.ToString("O", CultureInfo.InvariantCulture),
                ["findings"] = report.Findings.Count.ToString(CultureInfo.InvariantCulture),
            }), cancellationToken);
        return TypedResults.Ok(report);
    }
}
