using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Database.Keys;

namespace SaaSReference.Silo.Security;

/// <summary>Role names carried by platform principals (the <c>role</c> claim of an operator's access token).</summary>
public static class Roles
{
    public const string Operator = "operator";
    public const string Approver = "approver";
    public const string Auditor = "auditor";
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

        services.AddAuthentication(PlatformScheme)
            .AddPolicyScheme(PlatformScheme, "Access token or operator key", options => options.ForwardDefaultSelector = SelectScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, OperatorKeyAuthenticationHandler>(OperatorKeyAuthenticationHandler.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeyCache>((options, keys) => AccessTokenValidation.Configure(options, configuration, keys));

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Operator, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator))
            .AddPolicy(Policies.TenantMember, policy => policy.RequireAuthenticatedUser().AddRequirements(new TenantMemberRequirement()))
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
