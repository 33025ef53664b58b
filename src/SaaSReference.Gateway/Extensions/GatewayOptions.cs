namespace SaaSReference.Gateway.Extensions;

/// <summary>The gateway's own settings (section <c>Gateway</c>); routes and clusters live in <c>ReverseProxy</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body accepted from a client; bigger ones get 413 before anything is forwarded.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long to wait for a TCP connection to a destination (forwarding and active probes). YARP sets none, so a
    /// host that vanished from the network would hold a request until the activity timeout (30 s); on a local
    /// network a connect takes milliseconds. Read when a cluster's client is created (at start, or when the
    /// cluster's HttpClient settings change).
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public SafeRetryOptions Retry { get; set; } = new();
}

/// <summary>Retry of safe requests (GET, HEAD, OPTIONS) on another destination of the same cluster.</summary>
public sealed class SafeRetryOptions
{
    /// <summary>Attempts in all, the first included: 1 switches retries off.</summary>
    public int MaxAttempts { get; set; } = 3;
}
