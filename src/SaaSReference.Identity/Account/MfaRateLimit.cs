using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace SaaSReference.Identity.Account;

/// <summary>
/// At most <see cref="PermitsPerMinute"/> code submissions a minute (9.2.3a, 13.2.2d), per person when the pending
/// sign-in names one and per client address otherwise. Lockout stops guessing after a few wrong codes; this also
/// bounds how fast right and wrong codes can be tried at all, whatever the lockout settings.
/// </summary>
public static class MfaRateLimit
{
    public const string PolicyName = "mfa-codes";
    public const int PermitsPerMinute = 5;

    public static void Configure(RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.AddPolicy(PolicyName, context => HttpMethods.IsPost(context.Request.Method)
            ? RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = PermitsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            })
            // Showing the form costs nothing and checks nothing.
            : RateLimitPartition.GetNoLimiter("show"));
    }

    // The partitioner is synchronous, so the pending cookie is decrypted directly rather than through
    // AuthenticateAsync; a forged or expired cookie falls back to the client address, like no cookie at all.
    private static string PartitionKey(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(PendingSignIn.Scheme);
        var cookie = options.CookieManager.GetRequestCookie(context, options.Cookie.Name!);
        var ticket = string.IsNullOrEmpty(cookie) ? null : options.TicketDataFormat.Unprotect(cookie);
        var pending = PendingSignIn.FromPrincipal(ticket?.Principal);
        return pending is not null ? "user:" + pending.UserId : "ip:" + context.Connection.RemoteIpAddress;
    }
}
