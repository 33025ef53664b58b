using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using SaaSReference.Database.Hosting;
using SaaSReference.Database.Keys;
using SaaSReference.Database.Quotas;
using SaaSReference.Identity.Api;
using SaaSReference.Identity.Account;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Events;
using SaaSReference.Identity.OpenIddict;
using SaaSReference.Identity.Security;
using SaaSReference.Identity.Seeding;
using SaaSReference.Identity.Tenants;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SaaSReference.Identity.Extensions;

/// <summary>Wiring of the identity service: database, ASP.NET Core Identity, OpenIddict, seeding and the user API.</summary>
public static class IdentityServiceExtensions
{
    public const string ApplicationName = "SaaSReference.Identity";

    public static WebApplicationBuilder AddPlatformIdentity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;
        var connectionString = configuration.GetConnectionString("platform")
            ?? throw new InvalidOperationException("ConnectionStrings:platform is not configured (the PostgreSQL database of the platform).");

        // Hosted services start in registration order, all before the server takes requests: schema first, then
        // the credential keys (which need it), then the fixed data.
        services.AddSchemaMigration();
        services.AddHostedService<CredentialKeyLoader>();
        services.AddHostedService<IdentitySeeder>();
        // 12.1.3c, 12.2.1b/g: every instance's live view of the tenants' standings (a freeze arrives by NOTIFY within
        // milliseconds) and of the plans. Started after the schema exists; until its first load, TenantStandings asks
        // platform.tenant_limits directly (the seeders run before it).
        services.AddPlatformLimits();
        services.AddSingleton<TenantStandings>();
        services.AddScoped<TenantSuspension>();
        services.AddScoped<TenantQuotas>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<SigningKeyStore>();
        // 9.1.1a, 17.2.1a: cookies, antiforgery tokens and the protected private keys readable by every instance.
        services.AddPlatformDataProtection(connectionString, ApplicationName);
        services.AddDbContext<IdentityDb>((provider, options) => options.UseNpgsql(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddHealthChecks().AddCheck<DatabaseReadinessCheck>("database");

        services.AddIdentity<PlatformUser, IdentityRole>(options =>
            {
                // 13.2.2d: five wrong passwords lock the account for a minute; the sign-in pages lengthen the
                // lockout with each consecutive one (PlatformUser.ConsecutiveLockouts).
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(1);
                options.Lockout.AllowedForNewUsers = true;
                options.User.RequireUniqueEmail = true;
                // Accounts are created by administrators and seeding, not by self-registration.
                options.SignIn.RequireConfirmedAccount = false;
                // The claim names of OpenID Connect, so that principals built from the account need no mapping.
                options.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                options.ClaimsIdentity.UserNameClaimType = Claims.Name;
                options.ClaimsIdentity.RoleClaimType = Claims.Role;
                options.ClaimsIdentity.EmailClaimType = Claims.Email;
            })
            .AddEntityFrameworkStores<IdentityDb>()
            .AddDefaultTokenProviders()
            // After the default providers: the replay-protected TOTP provider and the password policy (6.2.1d, 9.2.3a).
            .AddPlatformMfaAndPasswords<PlatformUser>();
        // The sign-in pages and the authorize/end-session endpoints (they also register PlatformClaims).
        services.AddPlatformSignIn();

        services.AddPlatformOpenIddict(configuration);
        services.AddScoped<MachineTokenIssuer>();
        services.AddScoped<UserTokenIssuer>();

        services.Configure<GatewayClientOptions>(configuration.GetSection(GatewayClientOptions.Section));
        services.Configure<ApiClientOptions>(configuration.GetSection(ApiClientOptions.Section));
        services.Configure<SeedOptions>(configuration.GetSection(SeedOptions.Section));
        services.AddScoped<ClientSeeder>();
        services.AddScoped<UserSeeder>();
        services.AddScoped<UserAccounts>();

        services.AddAuditSecurityEvents(configuration); // 12.4.3a: security events also into the audit trail
        services.TryAddSingleton<ISecurityEventSink, LoggingSecurityEventSink>();
        services.AddUsersApi();
        services.AddAccessReviewApi(configuration); // 9.4.1c
        return builder;
    }
}
