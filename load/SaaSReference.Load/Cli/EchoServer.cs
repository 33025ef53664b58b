using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SaaSReference.Load.Cli;

/// <summary>
/// `serve`: a minimal endpoint on 127.0.0.1 that answers GET / with a short body, for crosscheck.sh to load with
/// both wrk and the runner. Stops by itself after --duration (default 10 minutes).
/// </summary>
public static class EchoServer
{
    public static async Task<int> RunAsync(LoadOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
        await using var app = builder.Build();
        // --delay makes the endpoint, not the load generators, set the pace: on a small machine both tools then
        // measure the server instead of their own CPU cost.
        var delay = options.Delay;
        app.MapGet("/", async () =>
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }
            return Results.Text("ok");
        });
        await app.StartAsync();
        output.WriteLine($"serving http://127.0.0.1:{options.Port}/");
        try
        {
            await Task.Delay(options.DurationOr(TimeSpan.FromMinutes(10)), app.Lifetime.ApplicationStopping);
        }
        catch (OperationCanceledException)
        {
            // Stopped (Ctrl+C / SIGTERM) before the time was up.
        }
        await app.StopAsync();
        return 0;
    }
}
