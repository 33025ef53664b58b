using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SaaSReference.Identity.Security;

/// <summary>Wires the platform's MFA and password primitives into ASP.NET Core Identity.</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ReplayProtectedTotpProvider{TUser}"/> as the authenticator provider, replaces the
    /// built-in password rules with <see cref="PasswordPolicyValidator{TUser}"/>, and registers
    /// <see cref="PostgresTotpStepStore"/> (which needs an <c>NpgsqlDataSource</c> singleton) and
    /// <see cref="TimeProvider.System"/> unless others are registered already.
    /// </summary>
    public static IdentityBuilder AddPlatformMfaAndPasswords<TUser>(this IdentityBuilder builder) where TUser : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        const string providerName = ReplayProtectedTotpProvider<TUser>.ProviderName;
        builder.AddTokenProvider<ReplayProtectedTotpProvider<TUser>>(providerName);

        // PostConfigure, so that a later AddDefaultTokenProviders cannot put the replayable provider back. The
        // well-known "Authenticator" name is pointed at ours too: code that asks for it by name must not get
        // Identity's provider, which accepts a code twice and ±90 s (aspnetcore issue 14423; 9.2.3a, 13.2.2d).
        builder.Services.PostConfigure<IdentityOptions>(options =>
        {
            options.Tokens.AuthenticatorTokenProvider = providerName;
            options.Tokens.ProviderMap[TokenOptions.DefaultAuthenticatorProvider] =
                new TokenProviderDescriptor(typeof(ReplayProtectedTotpProvider<TUser>));
        });

        // 6.2.1d, 9.2.4a: length over composition (OWASP ASVS 5.0 6.2.5). The options are set as well as the
        // built-in validator removed, so that anything reading them (a page that shows the rules) agrees.
        builder.Services.Configure<IdentityOptions>(options =>
        {
            options.Password.RequireDigit = false;
            options.Password.RequireLowercase = false;
            options.Password.RequireUppercase = false;
            options.Password.RequireNonAlphanumeric = false;
            options.Password.RequiredLength = PasswordPolicy.MinLength;
            options.Password.RequiredUniqueChars = 1;
        });
        // The built-in validator counts UTF-16 units, not characters, and would report a second PasswordTooShort.
        RemoveRegistration(builder.Services, typeof(IPasswordValidator<TUser>), typeof(PasswordValidator<TUser>));
        builder.AddPasswordValidator<PasswordPolicyValidator<TUser>>();

        builder.Services.TryAddSingleton<ITotpStepStore, PostgresTotpStepStore>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    private static void RemoveRegistration(IServiceCollection services, Type serviceType, Type implementationType)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == serviceType && services[i].ImplementationType == implementationType)
            {
                services.RemoveAt(i);
            }
        }
    }
}
