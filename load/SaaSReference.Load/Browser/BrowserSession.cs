using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace SaaSReference.Load.Browser;

/// <summary>Where a request of the browser ended: the last response's address and status, and its HTML when it was HTML.</summary>
public sealed record BrowserPage(Uri Url, int Status, IDocument? Document, string Body, Uri? Location)
{
    public string Path => Url.AbsolutePath;

    /// <summary>The items of the page's error summary (the identity pages' <c>.error-summary[role=alert]</c>).</summary>
    public IReadOnlyList<string> Errors =>
        Document is null ? [] : [.. Document.QuerySelectorAll(".error-summary[role=alert] li").Select(li => li.TextContent.Trim())];

    /// <summary>What the page says in brief, for a failure's reason: its status, path and first error or heading.</summary>
    public string Describe()
    {
        var what = Errors.FirstOrDefault() ?? Document?.QuerySelector("h1")?.TextContent.Trim();
        return $"{Status} at {Path}{(string.IsNullOrEmpty(what) ? "" : ": " + what)}";
    }
}

/// <summary>
/// One person's browser, as far as the sign-in needs one: its own cookie jar (a fresh one per sign-in), redirects
/// followed hop by hop as a browser does (only to loopback addresses: the client's guard refuses anything else), HTML
/// parsed, and forms submitted with every named input they hold (the anti-forgery token included) and the chosen button.
/// Connections are shared between sessions through one <see cref="HttpClient"/> that neither follows redirects nor keeps
/// cookies (<see cref="Cli.ScenarioEnvironment.CreateBrowserClient"/>).
/// </summary>
public sealed class BrowserSession(HttpClient http)
{
    private const int MaxRedirects = 10;
    private static readonly HtmlParser Parser = new();
    private readonly CookieContainer _cookies = new();

    /// <summary>GET <paramref name="url"/>, following redirects unless <paramref name="follow"/> is false.</summary>
    public async Task<BrowserPage> GetAsync(Uri url, CancellationToken cancellationToken, bool follow = true)
    {
        ArgumentNullException.ThrowIfNull(url);
        return await SendAsync(HttpMethod.Get, url, null, follow, cancellationToken);
    }

    /// <summary>
    /// Submits the first form matching <paramref name="selector"/> on <paramref name="page"/>: its named inputs with
    /// <paramref name="values"/> in place, plus the submit button whose value is <paramref name="button"/>, to its action
    /// (the page itself without one), as application/x-www-form-urlencoded.
    /// </summary>
    public async Task<BrowserPage> SubmitAsync(BrowserPage page, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken,
        string? button = null, string selector = "main form", bool follow = true)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(values);
        var form = page.Document?.QuerySelector<IHtmlFormElement>(selector)
            ?? throw new BrowserFlowException($"no form '{selector}' at {page.Describe()}");
        var fields = form.QuerySelectorAll<IHtmlInputElement>("input[name]")
            .Where(input => !values.ContainsKey(input.Name!))
            .Select(input => KeyValuePair.Create(input.Name!, input.Value))
            .Concat(values)
            .ToList();
        if (button is not null)
        {
            var submitter = form.QuerySelectorAll<IHtmlButtonElement>("button[name]").FirstOrDefault(b => b.Value == button)
                ?? throw new BrowserFlowException($"no button '{button}' at {page.Describe()}");
            fields.Add(KeyValuePair.Create(submitter.Name!, submitter.Value));
        }
        var action = form.GetAttribute("action");
        var target = string.IsNullOrEmpty(action) ? page.Url : new Uri(page.Url, action);
        return await SendAsync(HttpMethod.Post, target, fields, follow, cancellationToken);
    }

    /// <summary>Whether the jar holds a cookie called <paramref name="name"/> for <paramref name="url"/>.</summary>
    public bool HasCookie(Uri url, string name) => _cookies.GetCookies(url).Any(c => c.Name == name);

    private async Task<BrowserPage> SendAsync(HttpMethod method, Uri url, List<KeyValuePair<string, string>>? form, bool follow,
        CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            if (form is not null)
            {
                request.Content = new FormUrlEncodedContent(form);
            }
            var cookie = _cookies.GetCookieHeader(url);
            if (cookie.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie);
            }
            request.Headers.TryAddWithoutValidation("Accept", "text/html,application/json;q=0.9,*/*;q=0.8");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    _cookies.SetCookies(url, setCookie);
                }
            }
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var location = response.Headers.Location is { } l ? new Uri(url, l) : null;
            if (status is >= 300 and < 400 && location is not null && follow)
            {
                if (hop >= MaxRedirects)
                {
                    throw new BrowserFlowException($"more than {MaxRedirects} redirects from {url.AbsolutePath}");
                }
                // 301-303 turn a POST into a GET, as browsers do (307/308 are not used by these services).
                method = HttpMethod.Get;
                form = null;
                url = location;
                continue;
            }
            var html = response.Content.Headers.ContentType?.MediaType == "text/html";
            return new BrowserPage(url, status, html ? Parser.ParseDocument(body) : null, body, location);
        }
    }
}

/// <summary>The flow went somewhere a browser following it would not expect (a page without its form, a redirect loop).</summary>
public sealed class BrowserFlowException(string message) : Exception(message);
