using System.Security.Claims;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Silo.Quotas;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Apis;

/// <summary>Body of <c>PUT /api/tenants/{id}/webhook</c>.</summary>
public sealed record WebhookRequest(string Url);

/// <summary>The tenant's notification webhook as the API shows it.</summary>
public sealed record WebhookResponse(string TenantId, string? Url, bool BlockedByQuarantine);

/// <summary>
/// <c>/api/tenants/{tenantId}/webhook</c>: where a tenant's administrators receive its notifications (throttled,
/// frozen). The address is checked against server-side request forgery when set and on every delivery; while the
/// tenant is quarantined nothing is sent to it (12.2.1b).
/// </summary>
public static class TenantWebhookApi
{
    public const int MaxBodyBytes = 4 * 1024;

    public static RouteGroupBuilder MapTenantWebhookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/webhook").RequireAuthorization(Policies.TenantAdmin).AddEndpointFilter(NoStore.Filter);
        group.MapGet("/", GetAsync);
        group.MapPut("/", PutAsync);
        group.MapDelete("/", DeleteAsync);
        return group;
    }

    internal static async Task<IResult> GetAsync(string tenantId, IGrainFactory grains, Database.Quotas.PlatformLimitsWatcher platform)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var grain = grains.GetGrain<ITenantGrain>(tenantId);
        if (await grain.GetStandingAsync() is not { } standing)
        {
            return TenantsApi.NotFound(tenantId);
        }
        return TypedResults.Ok(new WebhookResponse(tenantId, (await grain.GetWebhookAsync())?.ToString(), standing.IsQuarantined));
    }

    internal static async Task<IResult> PutAsync(string tenantId, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains,
        IOptions<NotificationOptions> options, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var (body, problem) = await JsonBody.ReadAsync<WebhookRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        Uri.TryCreate(body!.Url, UriKind.Absolute, out var url);
        if (WebhookTargets.Problem(url, options.Value) is { } invalid)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["url"] = [invalid] });
        }
        return Answer(tenantId, await grains.GetGrain<ITenantGrain>(tenantId).SetWebhookAsync(url, user.Identity!.Name!), url);
    }

    internal static async Task<IResult> DeleteAsync(string tenantId, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var result = await grains.GetGrain<ITenantGrain>(tenantId).SetWebhookAsync(null, user.Identity!.Name!);
        return result.Outcome == TenantChangeOutcome.NotFound ? TenantsApi.NotFound(tenantId) : TypedResults.NoContent();
    }

    private static IResult Answer(string tenantId, TenantChangeResult result, Uri? url) => result.Outcome == TenantChangeOutcome.NotFound
        ? TenantsApi.NotFound(tenantId)
        : TypedResults.Ok(new WebhookResponse(tenantId, url?.ToString(), result.Standing?.IsQuarantined ?? false));
}
