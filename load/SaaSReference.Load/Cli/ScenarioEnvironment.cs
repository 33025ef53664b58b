using System.Globalization;
using System.Runtime.InteropServices;
using SaaSReference.Load.Engine;

namespace SaaSReference.Load.Cli;

/// <summary>What a scenario runs with: the options, where the platform is, its credentials, and guarded HTTP clients.</summary>
public sealed class ScenarioEnvironment(LoadOptions options, Uri gateway, PlatformSecrets? secrets, TargetGuard guard, LoadRunner runner,
    TextWriter output) : IDisposable
{
    private readonly List<HttpClient> _clients = [];

    public LoadOptions Options { get; } = options;

    public Uri Gateway { get; } = gateway;

    public TargetGuard Guard { get; } = guard;

    public LoadRunner Runner { get; } = runner;

    public TextWriter Output { get; } = output;

    public string? OperatorKey => Options.OperatorKey ?? secrets?.BootstrapKey;

    /// <summary>
    /// Machine clients given with --client; else the local stack's load clients (quiet tenants, then the noisy one),
    /// else its demo client.
    /// </summary>
    public IReadOnlyList<(string Id, string Secret)> MachineClients =>
        Options.Clients.Count > 0 ? Options.Clients
        : secrets?.LoadMachineClients is { Count: > 0 } load ? load
        : secrets?.DemoMachineClientSecret is { } secret ? [(PlatformSecrets.DemoMachineClientId, secret)] : [];

    public string RequireOperatorKey() => OperatorKey
        ?? throw new InvalidOperationException("No operator key: pass --operator-key, or run against the local stack whose .data/platform-secrets.json has one.");

    public HttpClient CreateClient(Uri baseAddress, TimeSpan? timeout = null)
    {
        Guard.Check(baseAddress);
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var client = new HttpClient(new GuardedHandler(Guard, handler)) { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        _clients.Add(client);
        return client;
    }

    /// <summary>
    /// A client for browser-like flows: redirects are not followed and cookies are not kept by the handler (each
    /// simulated browser keeps its own jar, <see cref="Browser.BrowserSession"/>), connections are pooled.
    /// </summary>
    public HttpClient CreateBrowserClient(Uri baseAddress, TimeSpan? timeout = null)
    {
        Guard.Check(baseAddress);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        var client = new HttpClient(new GuardedHandler(Guard, handler)) { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    public static string Machine() => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
