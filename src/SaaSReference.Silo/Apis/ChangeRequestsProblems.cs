using SaaSReference.Database.Quotas;

namespace SaaSReference.Silo.Apis;

/// <summary>The problem types of the change-request API: a client can tell the refusals apart without reading prose.</summary>
public static class ChangeRequestsProblems
{
    public const string BaseUri = "https://saasreference.local/problems/";
    public const string SelfApproval = SaaSReference.Database.Audit.Review.PrivilegedUseReview.SelfApprovalProblem; // the review flags it (12.4.3d)
    public const string AlreadyDecided = BaseUri + "already-decided";
    public const string Expired = BaseUri + "expired";
    public const string ChangeFailed = BaseUri + "change-failed";
    public const string OverCommit = BaseUri + "over-commit";
    public const string NotApplicable = BaseUri + "not-applicable";
    public const string ConfigurationChanged = BaseUri + "configuration-changed";

    public static IResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type, extensions: extensions);

    public static IResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Change request not found", detail: $"No change request has id '{id}'.");
}

/// <summary>
/// Why a change cannot be made now: field errors (the request names something that is wrong or does not exist:
/// 400) or a conflict with the platform's state (409). At approval time either fails the request.
/// </summary>
public sealed record ChangeRefusal(int Status, string Title, string Detail, string? Type = null,
    Dictionary<string, string[]>? Errors = null, IDictionary<string, object?>? Extensions = null)
{
    public static ChangeRefusal Field(string field, string message) => Fields(new(StringComparer.Ordinal) { [field] = [message] });

    public static ChangeRefusal Fields(Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new(StatusCodes.Status400BadRequest, "Invalid change request",
            string.Join(" ", errors.Select(error => $"{error.Key}: {string.Join(" ", error.Value)}")), Errors: errors);
    }

    public static ChangeRefusal Conflict(string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        new(StatusCodes.Status409Conflict, title, detail, type, Extensions: extensions);

    public static ChangeRefusal OverCommit(CapacityCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return Conflict(ChangeRequestsProblems.OverCommit, "Over the platform's guarantee budget", check.Describe(), new Dictionary<string, object?>
        {
            ["guaranteedRequestsPerSecond"] = Math.Round(check.GuaranteedAfter, 2),
            ["currentGuaranteedRequestsPerSecond"] = Math.Round(check.GuaranteedBefore, 2),
            ["budgetRequestsPerSecond"] = Math.Round(check.Budget, 2),
            ["capacityRequestsPerSecond"] = check.Capacity,
            ["overCommitRatio"] = check.OverCommitRatio,
        });
    }

    /// <summary>The answer to a request that was refused before it was stored.</summary>
    public IResult ToResult() => Errors is not null
        ? TypedResults.ValidationProblem(Errors, title: Title)
        : ChangeRequestsProblems.Problem(Status, Type ?? "about:blank", Title, Detail, Extensions);
}
