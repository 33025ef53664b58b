using Microsoft.AspNetCore.Mvc.Filters;

namespace SaaSReference.Identity.Account;

/// <summary>Response headers of every sign-in page, set before the handler runs so that redirects carry them too.</summary>
public sealed class SignInPageHeaders : IAsyncPageFilter
{
    // No script at all; styles only from our own wwwroot; no framing (a framed sign-in page is a phishing aid,
    // 13.2.2d). form-action is left out: Chromium applies it to the redirect from a form post to the client's
    // redirect URI, which is on another origin when the identity service is reached directly.
    private const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var headers = context.HttpContext.Response.Headers;
        // 6.2.1c: pages with keys, recovery codes and account details are never kept by a browser or proxy cache.
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // The return URL (an authorize request) stays out of Referer headers to other sites.
        headers["Referrer-Policy"] = "no-referrer";
        return next();
    }
}
