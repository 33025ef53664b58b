using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using SaaSReference.Gateway.Extensions;

namespace SaaSReference.Gateway.Https;

/// <summary>
/// Optional HTTPS between browsers and the gateway (6.2.1e): a listener on 127.0.0.1:<c>Gateway:Https:Port</c>
/// with a locally generated certificate, HSTS on HTTPS responses, and optionally a redirect of plain HTTP.
/// </summary>
/// <remarks>
/// 13.2.2c: TLS ends here. The hops behind the gateway (to the silos and the identity service) are plain HTTP on
/// the loopback interface or the platform's internal network, which only the gateway bridges to the outside
/// (9.1.2a); they carry bearer tokens that the silos validate themselves (signature, issuer, audience, expiry).
/// </remarks>
public static class HttpsExtensions
{
    public static void AddGatewayHttps(this WebApplicationBuilder builder, GatewayHttpsOptions https)
    {
        ArgumentNullException.ThrowIfNull(https);
        if (https.Port is not { } port)
        {
            return;
        }

        var certificate = DevelopmentCertificate.LoadOrCreate(https.ResolvedCertificateFolder, TimeProvider.System);
        // Added to the configured URLs rather than bound in code: an endpoint bound in code would make Kestrel
        // ignore the configured HTTP URLs altogether.
        var urls = HttpUrls(builder.Configuration).Append("https://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
        builder.WebHost.UseUrls([.. urls]);
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
            kestrel.ConfigureHttpsDefaults(defaults => defaults.ServerCertificate = certificate));
        builder.Services.AddHttpsRedirection(options => options.HttpsPort = port);
        builder.Services.AddSingleton(https);
    }

    public static void UseGatewayHttps(this WebApplication app)
    {
        if (app.Services.GetService<GatewayHttpsOptions>() is not { } https)
        {
            return;
        }
        app.UseMiddleware<HstsMiddleware>();
        if (https.RedirectHttp)
        {
            // Health probes (container and orchestrator checks) stay on plain HTTP.
            app.UseWhen(context => !context.Request.IsHttps && !context.Request.Path.StartsWithSegments("/health"),
                branch => branch.UseHttpsRedirection());
        }
    }

    // What Kestrel would bind without the HTTPS listener: the urls setting, else http_ports, else its default.
    private static IEnumerable<string> HttpUrls(IConfiguration configuration)
    {
        var separators = new[] { ';', ',' };
        var urls = configuration["urls"]?.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (urls.Length > 0)
        {
            return urls;
        }
        var ports = configuration["http_ports"]?.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return ports.Length > 0 ? ports.Select(p => "http://*:" + p) : ["http://localhost:5000"];
    }
}
