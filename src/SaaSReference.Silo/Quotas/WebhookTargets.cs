using System.Net;
using System.Net.Sockets;

namespace SaaSReference.Silo.Quotas;

/// <summary>
/// Which addresses a tenant's webhook may point at. A webhook is a request the platform makes on a tenant's
/// behalf, so it must not reach inside the platform's own network (server-side request forgery): HTTPS only, no
/// credentials in the URL, and no loopback, private, link-local or shared address, checked when it is set and
/// again on every connection (a DNS name may change what it points at). Operators can allow private targets
/// (<see cref="NotificationOptions.AllowPrivateWebhookTargets"/>) for receivers inside their own network.
/// </summary>
public static class WebhookTargets
{
    public const string HttpClientName = "tenant-webhooks";
    public const int MaxLength = 2000;

    private static readonly IPNetwork[] Forbidden =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"), IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>What is wrong with <paramref name="url"/> as a webhook address, or null when it may be used.</summary>
    public static string? Problem(Uri? url, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (url is null || !url.IsAbsoluteUri)
        {
            return "An absolute https:// address is required.";
        }
        if (url.OriginalString.Length > MaxLength)
        {
            return $"The address may have at most {MaxLength} characters.";
        }
        if (url.Scheme != Uri.UriSchemeHttps && !(options.AllowInsecureWebhooks && url.Scheme == Uri.UriSchemeHttp))
        {
            return "The address must use https.";
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "The address may not carry a user name or password.";
        }
        if (!options.AllowPrivateWebhookTargets
            && (url.IsLoopback || (IPAddress.TryParse(url.IdnHost, out var literal) && IsForbidden(literal))))
        {
            return "The address may not point at a loopback, private or link-local network.";
        }
        return null;
    }

    /// <summary>Whether <paramref name="address"/> lies in a network a webhook may not reach.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return Forbidden.Any(network => network.Contains(plain));
    }

    /// <summary>
    /// The handler of the webhook HTTP client: every connection is checked against the forbidden networks at the
    /// moment it is made, whatever the DNS name resolved to when the webhook was set.
    /// </summary>
    public static SocketsHttpHandler Handler(NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                var allowed = addresses.Where(a => options.AllowPrivateWebhookTargets || !IsForbidden(a)).ToList();
                if (allowed.Count == 0)
                {
                    throw new HttpRequestException($"The webhook host {context.DnsEndPoint.Host} resolves only to forbidden addresses.");
                }
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed[0], context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
