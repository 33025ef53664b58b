using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.Grains.Quotas;
using SaaSReference.Silo.Apis;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Quotas;

/// <summary>
/// The API's part of tenant enforcement, after authentication and authorization: a request to a frozen tenant's
/// routes is refused here (12.2.1b) unless it only reads the tenant's status and usage or exports its data
/// (8.1.5a); every admitted request is counted toward the tenant's daily budget, which the quota call filter
/// enforces in the grains. The gateway refuses the same requests earlier; this holds for requests that bypass it.
/// </summary>
public sealed class TenantAdmission(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, PlatformLimitsWatcher platform, TenantUsageMeter meter)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(meter);
        // The silo decides which tenant its spans name (the route's, below), never a baggage header it was sent.
        SaaSReference.ServiceDefaults.Telemetry.TenantTelemetry.Mark(System.Diagnostics.Activity.Current, null);
        if (http.GetRouteValue(TenantMemberRequirement.RouteValueName) is not string tenantId || !TenantId.IsValid(tenantId)
            || http.User.Identity?.IsAuthenticated != true)
        {
            await next(http);
            return;
        }
        if (platform.Find(tenantId) is { IsFrozen: true } standing
            && !AllowedWhenFrozen(http.Request, tenantId, standing.Status == TenantStatus.Terminated))
        {
            meter.Rejected(tenantId, "frozen");
            if (standing.Status == TenantStatus.Terminated)
            {
                // 8.1.5d: a terminated tenant's data is destroyed for good: 410, not a freeze that could be lifted.
                http.Response.StatusCode = StatusCodes.Status410Gone;
                await TenantTerminationProblems.Terminated(tenantId).ExecuteAsync(http);
                return;
            }
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Tenant frozen", type: QuotaProblems.FrozenType,
                detail: $"Tenant '{tenantId}' is {TenantLimitsStore.Text(standing.Status)}. Its data is intact; only its status, usage and export can be read. Contact the platform operator.")
                .ExecuteAsync(http);
            return;
        }
        meter.Admitted(tenantId);
        // Traces carry the tenant (12.4.3a): the same attribute the gateway sets on its span, and the baggage for the spans below.
        SaaSReference.ServiceDefaults.Telemetry.TenantTelemetry.Mark(System.Diagnostics.Activity.Current, tenantId);
        await next(http);
    }

    /// <summary>
    /// What may still reach a frozen or terminated tenant's routes here: what its members may (<see cref="FrozenTenantAccess"/>,
    /// the gateway's rule), an operator's status change of a frozen tenant, and an operator's evidence export of a frozen
    /// tenant (16.1.7a/b: a suspended tenant is when an authority asks; the route itself admits operators only).
    /// </summary>
    public static bool AllowedWhenFrozen(HttpRequest request, string tenantId, bool terminated = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value;
        return FrozenTenantAccess.Allows(request.Method, request.Path, tenantId, terminated)
            || (!terminated && HttpMethods.IsPost(request.Method) && path == $"/api/tenants/{tenantId}/status")
            || (!terminated && HttpMethods.IsGet(request.Method) && path == $"/api/tenants/{tenantId}/evidence");
    }
}

/// <summary>Problem types of the quota answers (the same URIs the gateway uses).</summary>
public static class QuotaProblems
{
    public const string FrozenType = ChangeRequestsProblems.BaseUri + "tenant-frozen";
    public const string QuotaExceededType = ChangeRequestsProblems.BaseUri + "quota-exceeded";
}
