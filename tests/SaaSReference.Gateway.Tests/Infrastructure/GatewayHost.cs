using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway (its Program and appsettings.json) on Kestrel on a free loopback port, in the Production
/// environment, with settings laid over its configuration the way an operator's environment variables would be
/// (as host settings, so that the gateway sees them already while it registers its services).
/// </summary>
public sealed class GatewayHost : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="settings">Laid over the gateway's configuration.</param>
    /// <param name="services">Applied after the gateway's own registrations.</param>
    /// <param name="bindFromUrls">Bind the port through the <c>Urls</c> setting, as a deployment does, instead of in
    /// code (an endpoint bound in code makes Kestrel ignore every configured URL, the gateway's HTTPS one too).</param>
    public GatewayHost(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null, bool bindFromUrls = false)
    {
        Port = FreePort.Next();
        var all = new Dictionary<string, string?>(settings);
        if (bindFromUrls)
        {
            all["Urls"] = $"http://127.0.0.1:{Port}";
            UseKestrel();
        }
        else
        {
            UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        }
        _settings = all;
        _services = services;
    }

    public int Port { get; }

    /// <summary>
    /// A client of the gateway over real TCP, like one outside the process: it follows no redirects, keeps no
    /// cookies and adds no trace context of its own (the in-process tracing would otherwise add it).
    /// </summary>
    public HttpClient CreateGatewayClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ActivityHeadersPropagator = null,
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{Port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }
}
