using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Database.Keys;

namespace SaaSReference.Silo.Security;

/// <summary>Role names carried by platform principals (the <c>role</c> claim of an operator's access token).</summary>
public static class Roles
{
    public const string Operator = AccessTokenClaims.OperatorRole;
    public const string Approver = AccessTokenClaims.ApproverRole;
    public const string Auditor = AccessTokenClaims.AuditorRole;

    /// <summary>A tenant's administrator (a tenant role: always with that tenant's <c>tenant_id</c>).</summary>
    public const string TenantAdmin = "tenant-admin";
}

/// <summary>Authorization policies the API groups require.</summary>
public static class Policies
{
    /// <summary>Platform operators (9.1.2a: no tenant route answers an unauthenticated caller).</summary>
    public const string Operator = "operator";

    /// <summary>
    /// The route's <c>tenantId</c> is the caller's own tenant, or the caller is an operator (<see cref="TenantAccess"/>).
    /// </summary>
    public const string TenantMember = "tenant-member";

    /// <summary>The route's tenant's administrators, or an operator: changing the tenant's own settings.</summary>
    public const string TenantAdmin = "tenant-admin";

    /// <summary>Platform staff: operators, approvers and auditors (reading change requests and the configuration).</summary>
    public const string PlatformStaff = "platform-staff";

    /// <summary>
    /// 6.1.2a, 9.1.1c: deciding a change request: the approver role, signed in with MFA, never an operator or the
    /// bootstrap key (<see cref="ChangeRequestsApproverRequirement"/>; its handler is registered by AddChangeRequests,
    /// so without it the policy refuses everyone).
    /// </summary>
    public const string Approver = "approver";
}

public static class SecurityExtensions
{
    /// <summary>
    /// The default scheme: picks the bearer-token or the bootstrap operator-key scheme by the header the request
    /// carries; with neither, the bearer scheme, so that the challenge is <c>WWW-Authenticate: Bearer</c>.
    /// </summary>
    public const string PlatformScheme = "Platform";

    /// <summary>
    /// Authentication (access tokens of the identity service, plus the bootstrap operator key) and the
    /// authorization policies. Needs an <c>NpgsqlDataSource</c> and a <see cref="TimeProvider"/> registered.
    /// </summary>
    public static IServiceCollection AddPlatformSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<SigningKeyStore>();
        services.TryAddSingleton<SigningKeyCache>();
        services.AddSingleton<IAuthorizationHandler, TenantMemberHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForeignTenantResultHandler>();

        services.AddAuthentication(PlatformScheme)
            .AddPolicyScheme(PlatformScheme, "Access token or operator key", options => options.ForwardDefaultSelector = SelectScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, OperatorKeyAuthenticationHandler>(OperatorKeyAuthenticationHandler.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeyCache>((options, keys) => AccessTokenValidation.Configure(options, configuration, keys));

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Operator, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator))
            .AddPolicy(Policies.TenantMember, policy => policy.RequireAuthenticatedUser().AddRequirements(new TenantMemberRequirement()))
            .AddPolicy(Policies.TenantAdmin, policy => policy.RequireAuthenticatedUser().AddRequirements(new TenantMemberRequirement())
                .RequireRole(Roles.TenantAdmin, Roles.Operator))
            .AddPolicy(Policies.PlatformStaff, policy => policy.RequireAuthenticatedUser().RequireRole(PlatformClaims.PlatformRoles))
            .AddPolicy(Policies.Approver, policy => policy.RequireAuthenticatedUser().AddRequirements(new ChangeRequestsApproverRequirement()))
            // 9.1.2a: anything not explicitly opened requires an authenticated caller.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        if (string.IsNullOrEmpty(configuration["Platform:BootstrapKey"]))
        {
            Console.Error.WriteLine("warning: Platform:BootstrapKey is not set; no operator can authenticate with the bootstrap key.");
        }
        if (string.IsNullOrEmpty(configuration[AccessTokenValidation.IssuerKey]))
        {
            Console.Error.WriteLine($"warning: {AccessTokenValidation.IssuerKey} is not set; every access token will be refused.");
        }
        return services;
    }

    private static string SelectScheme(HttpContext context)
    {
        if (context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }
        return context.Request.Headers.ContainsKey(OperatorKeyAuthenticationHandler.HeaderName)
            ? OperatorKeyAuthenticationHandler.SchemeName
            : JwtBearerDefaults.AuthenticationScheme;
    }
}
