using System.Net;

namespace SaaSReference.Load.Engine;

/// <summary>
/// The runner sends traffic only to loopback addresses (127.0.0.0/8, ::1, localhost) and to hosts the operator
/// named explicitly (<c>--target</c>, <c>--silo</c>, <c>--url</c>): a typo in a URL must not load someone else's
/// system. Checked before a run and again on every request.
/// </summary>
public sealed class TargetGuard(IEnumerable<string> explicitHosts)
{
    private readonly HashSet<string> _explicit = new(explicitHosts.Select(h => h.Trim('[', ']')), StringComparer.OrdinalIgnoreCase);

    public static TargetGuard LoopbackOnly { get; } = new([]);

    public bool Allows(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }
        return AllowsHost(uri.Host);
    }

    /// <summary>Whether traffic may go to <paramref name="host"/> (a name or address, not a URL): the Orleans client's and Npgsql's endpoints.</summary>
    public bool AllowsHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.Trim('[', ']');
        return _explicit.Contains(name) || IsLoopback(name);
    }

    public void Check(Uri uri)
    {
        if (!Allows(uri))
        {
            throw new TargetRefusedException($"{uri.GetLeftPart(UriPartial.Authority)} is neither a loopback address nor a target given with --target");
        }
    }

    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}

public sealed class TargetRefusedException(string message) : Exception(message);

/// <summary>Puts <see cref="TargetGuard"/> in front of every request an <see cref="HttpClient"/> sends.</summary>
public sealed class GuardedHandler(TargetGuard guard, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        guard.Check(request.RequestUri!);
        return base.SendAsync(request, cancellationToken);
    }
}
