using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Apis;

/// <summary>Body of <c>POST /api/tenants/{id}/status</c>.</summary>
public sealed record StatusChangeRequest(string Status, string Reason, string Note);

/// <summary>One tenant's usage in the operators' overview.</summary>
public sealed record PlatformUsagePage(IReadOnlyList<TenantUsage> Items, string? NextAfter, PlatformCapacity Capacity);

/// <summary>The platform's capacity and what is promised against it (12.1.3f).</summary>
public sealed record PlatformCapacity(double CapacityRequestsPerSecond, double OverCommitRatio, double GuaranteeBudget,
    double GuaranteedRequestsPerSecond, int Tenants, int ConfigurationVersion);

/// <summary>
/// Usage and status of tenants (12.1.3a/d, 12.2.1b/g): a tenant's members read its usage and status history;
/// operators freeze and throttle directly (a protective act, one person suffices) but lift a freeze only
/// through an approved change request (four-eyes, 6.1.2a).
/// </summary>
public static class TenantQuotaApi
{
    public const int MaxStatusBodyBytes = 4 * 1024;
    private const int MaxOverviewPage = 100;

    public static IEndpointRouteBuilder MapTenantQuotaApi(this IEndpointRouteBuilder app)
    {
        var tenant = app.MapGroup("/api/tenants/{tenantId}").AddEndpointFilter(NoStore.Filter);
        tenant.MapGet("/usage", GetUsageAsync).RequireAuthorization(Policies.TenantMember);
        tenant.MapPost("/status", ChangeStatusAsync).RequireAuthorization(Policies.Operator);
        app.MapGet("/api/platform/usage", ListUsageAsync).RequireAuthorization(Policies.Operator).AddEndpointFilter(NoStore.Filter);
        return app;
    }

    internal static async Task<Results<Ok<TenantUsage>, ProblemHttpResult>> GetUsageAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return MalformedId(tenantId);
        }
        var usage = await grains.GetGrain<ITenantGrain>(tenantId).GetUsageAsync();
        return usage is null ? NotFound(tenantId) : TypedResults.Ok(usage);
    }

    internal static async Task<IResult> ChangeStatusAsync(string tenantId, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return MalformedId(tenantId);
        }
        var (body, problem) = await JsonBody.ReadAsync<StatusChangeRequest>(request, MaxStatusBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var status = body!.Status switch
        {
            "frozen" => TenantStatus.Frozen,
            "throttled" => TenantStatus.Throttled,
            "active" => TenantStatus.Active,
            _ => (TenantStatus?)null,
        };
        if (status is null)
        {
            errors["status"] = ["One of: frozen, throttled, active. Termination is a separate, approved process."];
        }
        var reason = body.Reason switch
        {
            "abuse" => StatusReason.Abuse,
            "securitySuspension" => StatusReason.SecuritySuspension,
            "nonPayment" => StatusReason.NonPayment,
            "operatorDecision" => StatusReason.OperatorDecision,
            _ => (StatusReason?)null,
        };
        if (reason is null)
        {
            errors["reason"] = ["One of: abuse, securitySuspension, nonPayment, operatorDecision."];
        }
        if (string.IsNullOrWhiteSpace(body.Note) || body.Note.Length > 500 || body.Note.Any(c => char.IsControl(c) && c is not '\n'))
        {
            errors["note"] = ["A note of 1 to 500 characters saying why is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await grains.GetGrain<ITenantGrain>(tenantId)
            .ChangeStatusAsync(new StatusChangeCommand(status!.Value, reason!.Value, body.Note.Trim(), user.Identity!.Name!));
        return result.Outcome switch
        {
            TenantChangeOutcome.Changed or TenantChangeOutcome.Unchanged => TypedResults.Ok(result.Standing),
            TenantChangeOutcome.NotFound => NotFound(tenantId),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Status change refused", detail:
                result.Problem + (result.Standing?.Status == TenantStatus.Frozen ? " Request it with POST /api/change-requests (kind \"unfreeze\") for an approver to approve." : "")),
        };
    }

    internal static async Task<Results<Ok<PlatformUsagePage>, ProblemHttpResult>> ListUsageAsync(string? after, string? limit,
        TenantCatalogStore catalog, PlatformLimitsWatcher platform, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var size = 50;
        if (limit is not null && (!int.TryParse(limit, out size) || size is < 1 or > MaxOverviewPage))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid limit",
                detail: $"limit must be a whole number from 1 to {MaxOverviewPage}.");
        }
        if (after is not null && !TenantId.IsValid(after))
        {
            return MalformedId(after);
        }
        var page = await catalog.ListAsync(after, size, cancellationToken);
        var usages = await Task.WhenAll(page.Items.Select(entry => grains.GetGrain<ITenantGrain>(entry.TenantId).GetUsageAsync()));
        var configuration = platform.Configuration;
        var standings = platform.All.Where(s => s.Status != TenantStatus.Terminated).ToList();
        var guaranteed = standings.Sum(s => CapacityPlanner.GuaranteedRate(s, configuration.Settings));
        var capacity = new PlatformCapacity(configuration.Settings.CapacityRequestsPerSecond, configuration.Settings.OverCommitRatio,
            configuration.Settings.GuaranteeBudget, guaranteed, standings.Count, configuration.Version);
        return TypedResults.Ok(new PlatformUsagePage([.. usages.OfType<TenantUsage>()], page.NextAfter, capacity));
    }

    private static ProblemHttpResult NotFound(string tenantId) => TenantsApi.NotFound(tenantId);

    private static ProblemHttpResult MalformedId(string value) => TenantsApi.MalformedId(value);
}
