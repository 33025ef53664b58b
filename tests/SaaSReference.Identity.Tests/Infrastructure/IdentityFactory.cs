using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server.AspNetCore;
using SaaSReference.Identity.Events;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>
/// One identity instance, in process, on a real PostgreSQL database (several factories on one database are
/// several instances). Requests must carry the path base: <c>/identity/...</c>.
/// </summary>
/// <param name="settings">Configuration (see <see cref="TestSeed.Settings"/>); a null value removes a key.</param>
/// <param name="testSignIn">Answer authorize requests with <see cref="TestSignIn"/> instead of the sign-in pages.</param>
public sealed class IdentityFactory(IReadOnlyDictionary<string, string?> settings, bool testSignIn = true) : WebApplicationFactory<Program>
{
    public InMemorySecurityEventSink Events { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ISecurityEventSink>(Events);
            if (testSignIn)
            {
                services.Configure<OpenIddictServerAspNetCoreOptions>(options => options.EnableAuthorizationEndpointPassthrough = false);
                services.AddOpenIddict().AddServer(server => server.AddEventHandler(TestSignIn.Descriptor));
            }
        });
    }

    /// <summary>A client of the in-memory server that does not follow redirects (authorize answers with one).</summary>
    public HttpClient CreateHttpClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Starts the instance now (migration, keys, seeding), so that two can start at the same time.</summary>
    public Task StartAsync() => Task.Run(() => Server);
}
