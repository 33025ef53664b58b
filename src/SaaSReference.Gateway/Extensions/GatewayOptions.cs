namespace SaaSReference.Gateway.Extensions;

/// <summary>The gateway's own settings (section <c>Gateway</c>); routes and clusters live in <c>ReverseProxy</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body accepted from a client; bigger ones get 413 before anything is forwarded.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Largest body of the streamed upload routes (a tenant's files and export imports), which the silo streams and
    /// limits precisely itself; every other route keeps <see cref="MaxRequestBodyBytes"/>.
    /// </summary>
    public long MaxUploadBodyBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How long to wait for a TCP connection to a destination (forwarding and active probes). YARP sets none, so a
    /// host that vanished from the network would hold a request until the activity timeout (30 s); on a local
    /// network a connect takes milliseconds. Read when a cluster's client is created (at start, or when the
    /// cluster's HttpClient settings change).
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public SafeRetryOptions Retry { get; set; } = new();

    /// <summary>Sign-in of browsers at the gateway (backend-for-frontend); off while no authority is set.</summary>
    public GatewayIdentityOptions Identity { get; set; } = new();

    /// <summary>An additional HTTPS listener with a locally generated certificate; off while no port is set.</summary>
    public GatewayHttpsOptions Https { get; set; } = new();

    /// <summary>Per-tenant rate limits and the refusal of frozen tenants (12.1.3b/c).</summary>
    public RateLimiting.GatewayRateLimitingOptions RateLimiting { get; set; } = new();
}

/// <summary>Retry of safe requests (GET, HEAD, OPTIONS) on another destination of the same cluster.</summary>
public sealed class SafeRetryOptions
{
    /// <summary>Attempts in all, the first included: 1 switches retries off.</summary>
    public int MaxAttempts { get; set; } = 3;
}

/// <summary>The gateway as the confidential OpenID Connect client of the identity service (<c>Gateway:Identity</c>).</summary>
public sealed class GatewayIdentityOptions
{
    /// <summary>The issuer, e.g. <c>http://127.0.0.1:8080/identity/</c>. Empty: no sign-in, the gateway is a pure proxy.</summary>
    public string? Authority { get; set; }

    public string ClientId { get; set; } = "saasreference-gateway";

    /// <summary>Required when <see cref="Authority"/> is set; comes from the environment, never from a committed file.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Where to read the discovery document when not under the authority (e.g. an internal address).</summary>
    public string? MetadataAddress { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

/// <summary>HTTPS on the loopback interface with a development certificate (<c>Gateway:Https</c>, 6.2.1e).</summary>
public sealed class GatewayHttpsOptions
{
    /// <summary>The HTTPS port on 127.0.0.1; unset: HTTP only.</summary>
    public int? Port { get; set; }

    /// <summary>Where the generated PFX and its password file live (default: the user's local application data).</summary>
    public string? CertificateFolder { get; set; }

    /// <summary>Redirect HTTP requests (health endpoints excepted) to the HTTPS port.</summary>
    public bool RedirectHttp { get; set; }

    public string ResolvedCertificateFolder => string.IsNullOrWhiteSpace(CertificateFolder)
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "SaaSReference", "gateway-https")
        : CertificateFolder;
}
