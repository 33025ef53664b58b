using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using SaaSReference.Database.Hosting;
using SaaSReference.Database.Keys;
using SaaSReference.Gateway.Extensions;
using Yarp.ReverseProxy.Transforms.Builder;

namespace SaaSReference.Gateway.Session;

/// <summary>
/// The gateway as the browser's OpenID Connect client (backend-for-frontend): the browser holds an HttpOnly
/// session cookie and never a token; the gateway keeps the tokens server-side and puts the access token on the
/// API calls it forwards. The silos still validate every token themselves (13.2.2c).
/// </summary>
public static class SessionExtensions
{
    public const string ApplicationName = "SaaSReference.Gateway";

    public static void AddGatewaySession(this WebApplicationBuilder builder, GatewayIdentityOptions identity, IReverseProxyBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var connectionString = builder.Configuration.GetConnectionString("platform");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Gateway:Identity:Authority is set, so ConnectionStrings:platform is required (the session store).");
        }
        if (string.IsNullOrWhiteSpace(identity.ClientSecret))
        {
            throw new InvalidOperationException("Gateway:Identity:Authority is set, so Gateway:Identity:ClientSecret is required.");
        }

        var services = builder.Services;
        // The gateway.sessions table and the key ring's table must exist before the first sign-in.
        services.AddSchemaMigration();
        // Every gateway instance must read the cookies and the stored tickets of the others.
        services.AddPlatformDataProtection(connectionString, ApplicationName);
        builder.AddPlatformDataSource();
        services.AddSingleton(sp => new PostgresTicketStore(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IDataProtectionProvider>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TokenRefresher>();
        services.AddSingleton<SessionTokens>();

        services.AddAuthentication(options =>
            {
                // No default authenticate scheme on purpose: a request is looked up in the session store only where
                // the session matters (the API transform, /me), not on every proxied request.
                options.DefaultSignInScheme = SessionDefaults.CookieScheme;
                options.DefaultChallengeScheme = SessionDefaults.OidcScheme;
            })
            .AddCookie(SessionDefaults.CookieScheme, ConfigureCookie)
            .AddOpenIdConnect(SessionDefaults.OidcScheme, options => OidcClient.Configure(options, identity));
        services.AddOptions<CookieAuthenticationOptions>(SessionDefaults.CookieScheme)
            .Configure<PostgresTicketStore>((options, store) => options.SessionStore = store);
        services.AddAuthorizationBuilder().AddPolicy(SessionDefaults.SignedInPolicy, policy => policy
            .AddAuthenticationSchemes(SessionDefaults.CookieScheme)
            .RequireAuthenticatedUser());

        proxy.AddTransforms(SessionTransforms.Apply);
    }

    public static bool IsSessionEnabled(this WebApplication app) => app.Services.GetService<PostgresTicketStore>() is not null;

    private static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = SessionDefaults.CookieName;
        // Scripts cannot read it; Secure whenever the request came over HTTPS (6.2.1e); Lax: sent on top-level
        // navigation from elsewhere (links into the app) but not on cross-site subrequests or form posts.
        options.Cookie.HttpOnly = true;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.Path = "/";
        options.Cookie.IsEssential = true;
        options.ExpireTimeSpan = SessionDefaults.IdleTimeout;
        options.SlidingExpiration = true;
        // The cookie scheme never sends anyone to a login page: /me answers 401 (problem details, not cached).
        options.Events.OnRedirectToLogin = context => Deny(context.Response, StatusCodes.Status401Unauthorized);
        options.Events.OnRedirectToAccessDenied = context => Deny(context.Response, StatusCodes.Status403Forbidden);
    }

    private static Task Deny(HttpResponse response, int status)
    {
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }
}
