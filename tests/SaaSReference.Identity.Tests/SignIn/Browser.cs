using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace SaaSReference.Identity.Tests.SignIn;

/// <summary>A page as the browser ended on it: this service's HTML, or a redirect that leaves the service.</summary>
public sealed record BrowserPage(Uri Url, HttpStatusCode Status, IDocument Document, HttpResponseMessage Response)
{
    /// <summary>True when the last response sent the browser to another site (the client's redirect URI).</summary>
    public bool LeftService => !Url.IsLoopback;

    public string Path => Url.AbsolutePath;

    /// <summary>The texts of the error summary's items (empty when there is none).</summary>
    public IReadOnlyList<string> Errors =>
        [.. Document.QuerySelectorAll(".error-summary[role=alert] li").Select(li => li.TextContent.Trim())];

    public string? Query(string name) =>
        System.Web.HttpUtility.ParseQueryString(Url.Query)[name];
}

/// <summary>
/// Drives the real pages over HTTP: keeps cookies (the client's handler does), follows redirects within the
/// service, and submits forms as a browser would, anti-forgery token included.
/// </summary>
public sealed class Browser(HttpClient http) : IDisposable
{
    private static readonly HtmlParser Parser = new();

    public HttpClient Http => http;

    public async Task<BrowserPage> GetAsync(string url) =>
        await FollowAsync(new Uri(http.BaseAddress!, url), await http.GetAsync(new Uri(http.BaseAddress!, url)));

    /// <summary>Fills the first form of the main content (or <paramref name="selector"/>) and submits it.</summary>
    public async Task<BrowserPage> SubmitAsync(BrowserPage page, IReadOnlyDictionary<string, string> values,
        string? button = null, string selector = "main form")
    {
        ArgumentNullException.ThrowIfNull(page);
        var form = page.Document.QuerySelector<IHtmlFormElement>(selector)
            ?? throw new InvalidOperationException($"No form '{selector}' on {page.Url}:\n{page.Document.Body?.TextContent}");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll<IHtmlInputElement>("input[name]"))
        {
            fields.Add(KeyValuePair.Create(input.Name!, input.Value));
        }
        fields.RemoveAll(f => values.ContainsKey(f.Key));
        fields.AddRange(values);
        if (button is not null)
        {
            var submitter = form.QuerySelector<IHtmlButtonElement>($"button[name][value='{button}']")
                ?? throw new InvalidOperationException($"No button with value '{button}'.");
            fields.Add(KeyValuePair.Create(submitter.Name!, submitter.Value));
        }
        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? page.Url : new Uri(page.Url, form.GetAttribute("action"));
        using var content = new FormUrlEncodedContent(fields);
        return await FollowAsync(action, await http.PostAsync(action, content));
    }

    private async Task<BrowserPage> FollowAsync(Uri url, HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10 && (int)response.StatusCode is >= 300 and < 400; hops++)
        {
            url = new Uri(url, response.Headers.Location!);
            if (!url.IsLoopback)
            {
                return new BrowserPage(url, response.StatusCode, Parser.ParseDocument(string.Empty), response);
            }
            response.Dispose();
            response = await http.GetAsync(url);
        }
        var html = await response.Content.ReadAsStringAsync();
        return new BrowserPage(url, response.StatusCode, Parser.ParseDocument(html), response);
    }

    public void Dispose() => http.Dispose();
}
