using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Gateway.Apis;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.Infrastructure;

/// <summary>
/// The local stack in small: three fake silos and two fake identity instances behind the real gateway, which is
/// pointed at them through configuration (destination names as in appsettings.json).
/// </summary>
public sealed class GatewayStack : IAsyncDisposable
{
    private static readonly TimeSpan PollBound = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper? _output;

    private GatewayStack(GatewayHost host, IReadOnlyList<FakeDestination> destinations, ITestOutputHelper? output)
    {
        Host = host;
        Destinations = destinations;
        _output = output;
        Client = host.CreateGatewayClient();
    }

    public GatewayHost Host { get; }
    public HttpClient Client { get; }
    public IReadOnlyList<FakeDestination> Destinations { get; }

    public FakeDestination this[string name] => Destinations.Single(d => d.Name == name);

    /// <summary>
    /// Starts the fakes, then the gateway with <paramref name="settings"/> laid over the defaults below (which only
    /// point the destinations at the fakes) and <paramref name="services"/> applied after the gateway's own.
    /// </summary>
    public static async Task<GatewayStack> StartAsync(ITestOutputHelper? output, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var destinations = new[] { "silo-1", "silo-2", "silo-3", "identity-1", "identity-2" }
            .Select(name => new FakeDestination(name)).ToList();
        await Task.WhenAll(destinations.Select(d => d.StartAsync()));

        var all = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            // The admission control needs the platform database; the stacks that test it switch it on.
            ["Gateway:RateLimiting:Enabled"] = "false",
            // The fakes live on random ports: point the configured destinations at them.
        };
        foreach (var destination in destinations)
        {
            all[$"ReverseProxy:Clusters:{ClusterOf(destination.Name)}:Destinations:{destination.Name}:Address"] = destination.Address;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = new GatewayHost(all, services);
        host.StartServer();
        return new GatewayStack(host, destinations, output);
    }

    /// <summary>Settings that apply one value to the same key of both clusters.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> ForEveryCluster(string key, string value) =>
        new[] { "silo", "identity" }.Select(c => KeyValuePair.Create($"ReverseProxy:Clusters:{c}:{key}", (string?)value));

    public static string ClusterOf(string destinationName) => destinationName.Split('-')[0];

    public async Task<(HttpStatusCode Status, GatewayHealthReport Report)> GetHealthAsync()
    {
        using var response = await Client.GetAsync(GatewayHealthApi.Path);
        var report = await response.Content.ReadFromJsonAsync<GatewayHealthReport>()
            ?? throw new InvalidOperationException("Empty health report.");
        return (response.StatusCode, report);
    }

    public static DestinationHealthReport Find(GatewayHealthReport report, string destinationName) =>
        report.Clusters.Single(c => c.Id == ClusterOf(destinationName)).Destinations.Single(d => d.Id == destinationName);

    /// <summary>Polls <c>/health</c> until the condition holds; the bound is generous, the time taken is printed.</summary>
    public async Task<GatewayHealthReport> WaitForHealthAsync(string what, Func<GatewayHealthReport, bool> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var (_, report) = await GetHealthAsync();
            if (condition(report))
            {
                _output?.WriteLine($"{what}: after {stopwatch.ElapsedMilliseconds} ms");
                return report;
            }
            if (stopwatch.Elapsed > PollBound)
            {
                throw new TimeoutException($"{what}: not within {PollBound.TotalSeconds} s. Last report: {System.Text.Json.JsonSerializer.Serialize(report)}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the first active probe found every destination healthy.</summary>
    public Task<GatewayHealthReport> WaitForAllProbedHealthyAsync() => WaitForHealthAsync("all destinations probed healthy",
        report => report.Clusters.SelectMany(c => c.Destinations).All(d => d.Active == "Healthy" && d.InRotation));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        foreach (var destination in Destinations)
        {
            await destination.DisposeAsync();
        }
    }
}
