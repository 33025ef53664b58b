using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Gateway.Tests;

/// <summary>6.2.1e: the optional HTTPS listener with its locally generated certificate, HSTS and redirect.</summary>
public sealed class HttpsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"saasref-gw-https-{Guid.NewGuid():N}");
    private readonly int _httpsPort = FreePort.Next();

    [Fact]
    public async Task Https_PortConfigured_AnswersWithHstsAndTheGeneratedLocalhostCertificate()
    {
        await using var host = Start(redirect: false);
        using var https = HttpsClient(out var seen);

        using var secure = await https.GetAsync($"https://127.0.0.1:{_httpsPort}/health/live");
        using var plain = await host.CreateGatewayClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Equal("max-age=31536000", Assert.Single(secure.Headers.GetValues("Strict-Transport-Security")));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("CN=localhost", seen.Subject);
        Assert.Contains("127.0.0.1", seen.SubjectAlternativeNames, StringComparison.Ordinal);
        Assert.Contains("localhost", seen.SubjectAlternativeNames, StringComparison.Ordinal);
        using var saved = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(_folder, "gateway-https.pfx"),
            File.ReadAllText(Path.Combine(_folder, "gateway-https.password")));
        Assert.Equal(saved.Thumbprint, seen.Thumbprint);
    }

    [Fact]
    public async Task Https_SecondStart_ReusesTheCertificateKeptReadableByTheOwnerOnly()
    {
        string first;
        await using (var host = Start(redirect: false))
        {
            using var https = HttpsClient(out var seen);
            using var response = await https.GetAsync($"https://127.0.0.1:{_httpsPort}/health/live");
            first = seen.Thumbprint!;
        }

        await using (var host = Start(redirect: false))
        {
            using var https = HttpsClient(out var seen);
            using var response = await https.GetAsync($"https://127.0.0.1:{_httpsPort}/health/live");
            Assert.Equal(first, seen.Thumbprint);
        }
        Assert.All(Directory.GetFiles(_folder), file =>
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));
    }

    [Fact]
    public async Task Https_RedirectHttpOn_RedirectsPlainRequestsButNotHealthProbes()
    {
        await using var host = Start(redirect: true);
        using var plain = host.CreateGatewayClient();

        using var api = await plain.GetAsync("/api/tenants?x=1");
        using var health = await plain.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.TemporaryRedirect, api.StatusCode);
        Assert.Equal($"https://127.0.0.1:{_httpsPort}/api/tenants?x=1", api.Headers.Location?.AbsoluteUri);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private GatewayHost Start(bool redirect)
    {
        var host = new GatewayHost(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Gateway:Https:Port"] = _httpsPort.ToString(CultureInfo.InvariantCulture),
            ["Gateway:Https:CertificateFolder"] = _folder,
            ["Gateway:Https:RedirectHttp"] = redirect ? "true" : "false",
            // No database here: the admission control (which needs one) is tested in RateLimiting/.
            ["Gateway:RateLimiting:Enabled"] = "false",
        }, bindFromUrls: true);
        host.StartServer();
        return host;
    }

    private sealed class SeenCertificate
    {
        public string? Subject { get; set; }
        public string? Thumbprint { get; set; }
        public string SubjectAlternativeNames { get; set; } = "";
    }

    private static HttpClient HttpsClient(out SeenCertificate seen)
    {
        var captured = new SeenCertificate();
        seen = captured;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                // Self-signed, so not trusted by the test machine: what matters is which certificate it is.
                var x509 = (X509Certificate2)certificate!;
                captured.Subject = x509.Subject;
                captured.Thumbprint = x509.Thumbprint;
                captured.SubjectAlternativeNames = string.Join(",", x509.Extensions.OfType<X509SubjectAlternativeNameExtension>()
                    .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(ip => ip.ToString()))));
                return true;
            } },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }
}
