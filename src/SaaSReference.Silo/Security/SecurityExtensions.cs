using Microsoft.AspNetCore.Authentication;

namespace SaaSReference.Silo.Security;

/// <summary>Role names carried by platform principals.</summary>
public static class Roles
{
    public const string Operator = "operator";
}

/// <summary>Authorization policies the API groups require.</summary>
public static class Policies
{
    /// <summary>Platform operators (9.1.2a: no tenant route answers an unauthenticated caller).</summary>
    public const string Operator = "operator";
}

public static class SecurityExtensions
{
    public static IServiceCollection AddPlatformSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(OperatorKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, OperatorKeyAuthenticationHandler>(OperatorKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Operator, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator))
            // 9.1.2a: anything not explicitly opened requires an authenticated caller.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        if (string.IsNullOrEmpty(configuration["Platform:BootstrapKey"]))
        {
            Console.Error.WriteLine("warning: Platform:BootstrapKey is not set; no operator can authenticate.");
        }
        return services;
    }
}
