using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace SaaSReference.Gateway.Session;

/// <summary>
/// What the browser session changes in a forwarded request. Registered only when sign-in is configured.
/// A request transform that answers (403, 401, 503) stops YARP from forwarding the request at all.
/// </summary>
internal static class SessionTransforms
{
    public static void Apply(TransformBuilderContext context)
    {
        // No destination needs the session key: it would only widen where a stolen one could be read (13.2.2c).
        context.AddRequestTransform(RemoveSessionCookie);
        if (context.Route.ClusterId == SessionDefaults.ApiCluster)
        {
            context.AddRequestTransform(AttachAccessTokenAsync);
        }
    }

    private static async ValueTask AttachAccessTokenAsync(RequestTransformContext transform)
    {
        var http = transform.HttpContext;
        // 9.1.2a: a machine client brings its own token; it is forwarded untouched and any session is ignored.
        if (http.Request.Headers.Authorization.Count > 0)
        {
            return;
        }

        var session = await http.AuthenticateAsync(SessionDefaults.CookieScheme);
        if (!session.Succeeded)
        {
            // Forwarded anonymous: the silo answers 401 problem details itself. An API call is never sent to a
            // login page; the browser application decides when to go to /login.
            return;
        }

        if (SessionDefaults.IsUnsafe(http.Request.Method) && !SessionDefaults.HasCsrfHeader(http.Request))
        {
            await WriteProblemAsync(http, StatusCodes.Status403Forbidden, "Missing CSRF header",
                $"A change made with the session cookie must carry the header {SessionDefaults.CsrfHeader}: 1.");
            return;
        }

        var tokens = http.RequestServices.GetRequiredService<SessionTokens>();
        var accessToken = await tokens.GetAccessTokenAsync(http, session.Properties!);
        switch (accessToken.Status)
        {
            case AccessTokenStatus.Valid:
                transform.ProxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken.Token);
                break;
            case AccessTokenStatus.Unavailable:
                await WriteProblemAsync(http, StatusCodes.Status503ServiceUnavailable, "Sign-in service unavailable",
                    "The session could not be renewed now. Try again shortly.");
                break;
            default:
                // The session row is already gone; the cookie goes too.
                await Audit.SessionAudit.EndedAsync(http, session.Principal, "renewal refused by the identity service");
                await http.SignOutAsync(SessionDefaults.CookieScheme);
                await WriteProblemAsync(http, StatusCodes.Status401Unauthorized, "Session ended", "Sign in again.");
                break;
        }
    }

    private static ValueTask RemoveSessionCookie(RequestTransformContext transform)
    {
        var headers = transform.ProxyRequest.Headers;
        if (!headers.TryGetValues(HeaderNames.Cookie, out var values))
        {
            return ValueTask.CompletedTask;
        }

        var kept = values.SelectMany(v => v.Split(';'))
            .Select(pair => pair.Trim())
            .Where(pair => pair.Length > 0 && !IsSessionCookie(pair))
            .ToList();
        headers.Remove(HeaderNames.Cookie);
        if (kept.Count > 0)
        {
            headers.TryAddWithoutValidation(HeaderNames.Cookie, string.Join("; ", kept));
        }
        return ValueTask.CompletedTask;
    }

    // The cookie itself and the chunks the cookie manager would split a large one into (SaaSReference.SessionC1...).
    private static bool IsSessionCookie(string pair)
    {
        var name = pair.Split('=', 2)[0].Trim();
        return name == SessionDefaults.CookieName
            || (name.StartsWith(SessionDefaults.CookieName + "C", StringComparison.Ordinal)
                && name.Length > SessionDefaults.CookieName.Length + 1
                && name[(SessionDefaults.CookieName.Length + 1)..].All(char.IsAsciiDigit));
    }

    private static Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(http);
    }
}
