using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Security;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// <c>/api/tenants</c>: operators create and list tenants; a tenant's own users (and operators) read it.
/// The tenant comes from the validated token only, never from the request (9.4.4e).
/// </summary>
public static class TenantsApi
{
    public const int MaxCreateBodyBytes = 16 * 1024;
    public const int DefaultPageSize = 50;
    private const int MaxDisplayNameLength = 200;

    public static RouteGroupBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants").AddEndpointFilter(NoStore.Filter);
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Operator);
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Operator);
        group.MapGet("/{tenantId}", GetAsync).RequireAuthorization(Policies.TenantMember);
        return group;
    }

    internal static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, CapacityPlanner capacity,
        TenantRegions regions, IAuditTrail audit, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateTenantRequest>(request, MaxCreateBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = Validate(body!);
        if (body!.Region is { } region && !regions.IsKnown(region))
        {
            // 16.1.7e: the tenant chooses where its data lives, among the regions this platform has.
            errors["region"] = [$"'{Truncate(region)}' is not a region of this platform: choose one of {string.Join(", ", regions.Names)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // 12.1.3f: a new tenant's guaranteed rate must fit the platform's capacity times the over-commit ratio.
        var admission = await capacity.CanAdmitNewTenantAsync(cancellationToken: cancellationToken);
        if (!admission.Admitted)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Platform capacity reached",
                type: ChangeRequestsProblems.OverCommit, detail: admission.Describe());
        }

        var actor = user.Identity!.Name!;
        var result = await grains.GetGrain<ITenantGrain>(body!.Id)
            .CreateAsync(new CreateTenantCommand(body.DisplayName.Trim(), actor, body.Region));
        if (result.Outcome == CreateTenantOutcome.Created)
        {
            await audit.WriteNowAsync(new AuditEvent(AuditEventTypes.TenantDataProvisioned, actor, result.Tenant.Id, result.Tenant.Id, "success",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = $"region={result.Tenant.Region}" }), cancellationToken);
            return TypedResults.Created($"/api/tenants/{result.Tenant.Id}", TenantResponse.From(result.Tenant));
        }
        // Idempotent provisioning: the same request again answers 200 with the tenant as it is; a different region
        // or name is a conflict and changes nothing.
        if (result.Tenant.DisplayName == body.DisplayName.Trim() && (body.Region is null || body.Region == result.Tenant.Region))
        {
            return TypedResults.Ok(TenantResponse.From(result.Tenant));
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Tenant exists",
            detail: $"A tenant with id '{body.Id}' already exists with another name or region ({result.Tenant.Region}); nothing was changed.");
    }

    internal static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return MalformedId(tenantId);
        }
        var tenant = await grains.GetGrain<ITenantGrain>(tenantId).GetAsync();
        return tenant is null ? NotFound(tenantId) : TypedResults.Ok(TenantResponse.From(tenant));
    }

    internal static async Task<Results<Ok<TenantPage>, ProblemHttpResult>> ListAsync(
        string? after, string? limit, TenantCatalogStore catalog, CancellationToken cancellationToken)
    {
        var size = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, out size) || size is < 1 or > TenantCatalogStore.MaxPageSize))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid limit",
                detail: $"limit must be a whole number from 1 to {TenantCatalogStore.MaxPageSize}.");
        }
        if (after is not null && !TenantId.IsValid(after))
        {
            return MalformedId(after);
        }
        var page = await catalog.ListAsync(after, size, cancellationToken);
        return TypedResults.Ok(new TenantPage([.. page.Items.Select(TenantResponse.From)], page.NextAfter));
    }

    private static Dictionary<string, string[]> Validate(CreateTenantRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (!TenantId.IsValid(body.Id))
        {
            errors["id"] = [$"A tenant id has {TenantId.Describe()}"];
        }
        var name = body.DisplayName.Trim();
        if (name.Length is 0 or > MaxDisplayNameLength || name.Any(char.IsControl))
        {
            errors["displayName"] = [$"The display name needs 1 to {MaxDisplayNameLength} characters and no control characters."];
        }
        return errors;
    }

    internal static ProblemHttpResult NotFound(string tenantId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tenant not found", detail: $"No tenant has id '{tenantId}'.");

    internal static ProblemHttpResult MalformedId(string value) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed tenant id",
            detail: $"'{Truncate(value)}' is not a tenant id: a tenant id has {TenantId.Describe()}");

    private static string Truncate(string value) => value.Length <= 70 ? value : value[..70] + "…";
}
