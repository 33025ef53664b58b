using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Identity.Authorization;

namespace SaaSReference.Identity.Account;

/// <summary>Wiring of the platform's sign-in pages, flow services and authorize/end-session endpoints.</summary>
public static class AccountServiceCollectionExtensions
{
    /// <summary>
    /// Razor Pages (with no-store and framing headers), the pending-sign-in cookie scheme, lockout settings,
    /// the MFA rate limit and the flow's services. Call after <c>AddIdentity</c>, whose cookie it points at these pages.
    /// </summary>
    public static IServiceCollection AddPlatformSignIn(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRazorPages(options => options.Conventions.ConfigureFilter(new SignInPageHeaders()));
        services.AddAuthentication().AddCookie(PendingSignIn.Scheme, PendingSignIn.Configure);
        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = AccountPaths.Tenant;
            options.LogoutPath = AccountPaths.SignOut;
            options.AccessDeniedPath = AccountPaths.Home;
            options.Cookie.Name = ".SaaSReference.Session";
            options.Cookie.HttpOnly = true;
            // Lax, not Strict: the browser arrives at connect/authorize from the client's site.
            options.Cookie.SameSite = SameSiteMode.Lax;
        });
        services.Configure<IdentityOptions>(options =>
        {
            // 13.2.2d: five wrong passwords or codes lock the account; LockoutBackoff lengthens each lockout.
            options.Lockout.AllowedForNewUsers = true;
            options.Lockout.MaxFailedAccessAttempts = LockoutBackoff.MaxFailedAttempts;
            options.Lockout.DefaultLockoutTimeSpan = LockoutBackoff.First;
        });
        services.AddRateLimiter(MfaRateLimit.Configure);

        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<SignInAudit>();
        services.AddScoped<LockoutBackoff>();
        services.AddScoped<TenantMfaPolicy>();
        services.AddScoped<MfaRequirement>();
        services.AddScoped<PasswordSignIn>();
        services.AddScoped<SignInSteps>();
        services.AddScoped<SecondFactor>();
        services.AddScoped<SignInCompletion>();
        services.AddScoped<PlatformClaims>();
        return services;
    }

    /// <summary>
    /// The rate limiter, the pages and the authorize/end-session endpoints (the CSS is served by
    /// <c>UseStaticFiles</c> in Program.cs, before routing). Call after
    /// <c>UseRouting</c>, <c>UseAuthentication</c> and <c>UseAuthorization</c> (the rate limiter needs the endpoint).
    /// </summary>
    public static WebApplication MapPlatformSignIn(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRateLimiter();
        app.MapRazorPages();
        app.MapPlatformAuthorization();
        return app;
    }
}
