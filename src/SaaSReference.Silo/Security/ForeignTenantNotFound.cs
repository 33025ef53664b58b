using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace SaaSReference.Silo.Security;

/// <summary>
/// Endpoint metadata of the tenant data routes (records, collections, files, keys, backups, export): a caller of another
/// tenant gets 404, exactly as for an id that does not exist, so the answer does not even confirm that the other tenant
/// or its data exists (9.4.4e, 9.5.1c). Other tenant routes keep answering 403.
/// </summary>
public sealed class ForeignTenantNotFoundAttribute : Attribute;

/// <summary>Turns the authorization refusal of a foreign tenant on a <see cref="ForeignTenantNotFoundAttribute"/> route into 404.</summary>
public sealed class ForeignTenantResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Forbidden
            && context.GetEndpoint()?.Metadata.GetMetadata<ForeignTenantNotFoundAttribute>() is not null
            && context.GetRouteValue(TenantMemberRequirement.RouteValueName) is string tenantId
            && !TenantAccess.MayAccess(context.User, tenantId))
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: "Nothing was found at this address.").ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

public static class ForeignTenantNotFoundExtensions
{
    /// <summary>Marks the endpoints: a foreign tenant's caller is answered 404 (<see cref="ForeignTenantNotFoundAttribute"/>).</summary>
    public static TBuilder HideForeignTenants<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ForeignTenantNotFoundAttribute());
        return builder;
    }
}
