using System.Security.Claims;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// <c>/api/change-requests</c>: an operator requests a privileged change (unfreeze, plan change, quota override,
/// configuration change or rollback); it takes effect only when a different person with the approver role, signed
/// in with MFA, approves it (6.1.2a, 9.1.1c, 12.1.2f/g). Platform staff read the requests.
/// </summary>
public static class ChangeRequestsApi
{
    public const int MaxCreateBodyBytes = 64 * 1024;
    public const int DefaultPageSize = 50;

    /// <summary>The change-request API and the read-only platform configuration that it changes.</summary>
    public static IEndpointRouteBuilder MapChangeRequestsApis(this IEndpointRouteBuilder app)
    {
        app.MapChangeRequestsApi();
        app.MapPlatformConfigurationApi();
        return app;
    }

    public static RouteGroupBuilder MapChangeRequestsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/change-requests").AddEndpointFilter(NoStore.Filter).RequireAuthorization(Policies.PlatformStaff);
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Operator);
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:guid}", GetAsync);
        group.MapPost("/{id:guid}/approve", ChangeRequestsDecisions.ApproveAsync).RequireAuthorization(Policies.Approver);
        group.MapPost("/{id:guid}/reject", ChangeRequestsDecisions.RejectAsync).RequireAuthorization(Policies.Approver);
        return group;
    }

    internal static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal user, ChangeRequestsServices services, CancellationToken cancellationToken)
    {
        var actor = user.Identity!.Name!;
        var (body, problem) = await JsonBody.ReadAsync<CreateChangeRequestBody>(request, MaxCreateBodyBytes, cancellationToken);
        if (problem is not null)
        {
            await services.Audit.Refusal(actor, null, null, null, "The request body could not be read.");
            return problem;
        }
        var (input, errors) = ChangeRequestsInput.Parse(body!);
        if (input is null)
        {
            await services.Audit.Refusal(actor, null, null, body!.TenantId is { } t && TenantId.IsValid(t) ? t : null, $"Invalid: {string.Join(", ", errors.Keys)}");
            return TypedResults.ValidationProblem(errors, title: "Invalid change request");
        }

        var current = await services.CurrentAsync(cancellationToken);
        if (await services.Preflight.CheckAsync(input.Kind, input.TenantId, input.Payload, current, cancellationToken) is { } refusal)
        {
            await services.Audit.Refusal(actor, null, input.Kind, input.TenantId, refusal.Detail, refusal.Type);
            return refusal.ToResult();
        }
        // A configuration request changes the version current now; approving it after another change would undo that one.
        var payload = ChangeRequestText.IsTenantKind(input.Kind) ? input.Payload : input.Payload with { BaseVersion = current.Version };
        var now = services.Time.GetUtcNow();
        var created = await services.Store.CreateAsync(
            new NewChangeRequest(input.Kind, input.TenantId, payload, input.Reason, actor, now, now + current.Settings.ApprovalLifetime), cancellationToken);
        await services.Audit.RequestMade(created);
        return TypedResults.Created($"/api/change-requests/{created.Id}", ChangeRequestResponse.From(created));
    }

    internal static async Task<IResult> ListAsync(string? status, string? tenantId, string? after, string? limit,
        ChangeRequestsServices services, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        ChangeRequestStatus? wanted = null;
        if (status is not null)
        {
            if (ChangeRequestText.TryParseStatus(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = [$"The status is one of {string.Join(", ", ChangeRequestText.StatusNames)}."];
            }
        }
        if (tenantId is not null && !TenantId.IsValid(tenantId))
        {
            errors["tenantId"] = [$"A tenant id has {TenantId.Describe()}"];
        }
        Guid? cursor = null;
        if (after is not null)
        {
            if (Guid.TryParse(after, out var id))
            {
                cursor = id;
            }
            else
            {
                errors["after"] = ["after is the id of the last request of the previous page."];
            }
        }
        var size = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, out size) || size is < 1 or > ChangeRequestStore.MaxPageSize))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {ChangeRequestStore.MaxPageSize}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        await services.ExpireStaleAsync(cancellationToken);
        var page = await services.Store.ListAsync(wanted, tenantId, cursor, size, cancellationToken);
        return TypedResults.Ok(new ChangeRequestPageResponse([.. page.Items.Select(ChangeRequestResponse.From)], page.NextAfter));
    }

    internal static async Task<IResult> GetAsync(Guid id, ChangeRequestsServices services, CancellationToken cancellationToken)
    {
        var current = await services.CurrentAsync(cancellationToken);
        var found = await services.ExpireAsync(id, current.Settings.ApprovalLifetime, cancellationToken)
            ?? await services.Store.GetAsync(id, cancellationToken);
        return found is null ? ChangeRequestsProblems.NotFound(id) : TypedResults.Ok(ChangeRequestResponse.From(found));
    }
}
