using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Audit;

/// <summary>
/// The audit trail's read side (12.4.2b, 12.4.3d, 9.4.4b). A tenant's administrators read their own tenant's
/// records only; operators and auditors read across tenants and verify chains, and each of their queries is
/// itself recorded, committed before the answer is sent.
/// </summary>
public static class AuditApi
{
    /// <summary>The route's tenant's administrators (its own, 9.4.4e), operators and auditors.</summary>
    public const string TenantReaders = "audit-tenant-readers";

    /// <summary>Operators and auditors.</summary>
    public const string StaffReaders = "audit-staff-readers";

    public static IServiceCollection AddSiloAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlatformAudit(configuration);
        services.AddAuditReviews(configuration);
        services.AddAuthorizationBuilder()
            .AddPolicy(StaffReaders, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator, Roles.Auditor))
            .AddPolicy(TenantReaders, policy => policy.RequireAuthenticatedUser().RequireAssertion(MayReadTenant));
        return services;
    }

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/tenants/{tenantId}/audit").RequireAuthorization(TenantReaders).AddEndpointFilter(NoStore.Filter)
            .MapGet("/", (string tenantId, HttpContext http, AuditStore store, IAuditTrail trail, TimeProvider time, CancellationToken ct) =>
                QueryAsync(tenantId, http, store, trail, time, ct));
        var staff = app.MapGroup("/api/audit").RequireAuthorization(StaffReaders).AddEndpointFilter(NoStore.Filter);
        staff.MapGet("/", (HttpContext http, AuditStore store, IAuditTrail trail, TimeProvider time, CancellationToken ct) =>
            QueryAsync(null, http, store, trail, time, ct));
        staff.MapGet("/verify", VerifyAsync);
        return app;
    }

    private static bool MayReadTenant(AuthorizationHandlerContext context) =>
        context.User.IsInRole(Roles.Operator) || context.User.IsInRole(Roles.Auditor)
        || (context.Resource is HttpContext http && http.GetRouteValue(TenantMemberRequirement.RouteValueName) is string tenantId
            && context.User.IsInRole(Roles.TenantAdmin) && TenantAccess.MayAccess(context.User, tenantId));

    private static async Task<IResult> QueryAsync(string? routeTenant, HttpContext http, AuditStore store, IAuditTrail trail, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var parameters = http.Request.Query.Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.Count == 1 ? q.Value[0] : null));
        if (http.Request.Query.Any(q => q.Value.Count != 1))
        {
            return TypedResults.ValidationProblem(http.Request.Query.Where(q => q.Value.Count != 1)
                .ToDictionary(q => q.Key, _ => new[] { "Give this parameter once." }, StringComparer.Ordinal), title: "Invalid audit query");
        }
        if (routeTenant is not null && !Contracts.Tenants.TenantId.IsValid(routeTenant))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["tenantId"] = ["Not a tenant id."] }, title: "Invalid audit query");
        }
        var (query, errors) = AuditQueryParser.Parse(parameters, routeTenant, time.GetUtcNow());
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid audit query");
        }
        var page = await store.QueryAsync(query, cancellationToken);

        // 9.4.4b, 12.4.3a: staff reading the trail is itself a privileged act; a tenant admin's reading goes into
        // the tenant's own chain.
        var staff = http.User.IsInRole(Roles.Operator) || http.User.IsInRole(Roles.Auditor);
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.AuditQueried, AuditActor.Of(http.User), staff ? null : routeTenant,
            http.Request.Path + http.Request.QueryString, "success", new Dictionary<string, string>
            {
                ["filters"] = $"tenant={query.TenantId} type={query.Type} actor={query.Actor} from={query.From:O} to={query.To:O} limit={query.Limit}",
                ["returned"] = page.Records.Count.ToString(CultureInfo.InvariantCulture),
            }), cancellationToken);
        return TypedResults.Ok(new AuditPageResponse(page.Records.Select(AuditRecordResponse.From).ToList(), page.NextCursor));
    }

    private static async Task<IResult> VerifyAsync(string? chain, ClaimsPrincipal user, AuditVerifier verifier, IAuditTrail trail,
        CancellationToken cancellationToken)
    {
        if (!AuditChains.IsValid(chain))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["chain"] = ["'platform' or 'tenant:<tenant id>'."],
            }, title: "Invalid chain");
        }
        var result = await verifier.VerifyAsync(chain!, cancellationToken);
        await trail.WriteNowAsync(new AuditEvent(AuditEventTypes.AuditVerified, AuditActor.Of(user), null, chain!, result.Intact ? "intact" : "broken",
            new Dictionary<string, string> { ["chain"] = chain!, ["result"] = result.Problem ?? "intact" }), cancellationToken);
        return TypedResults.Ok(result);
    }
}
