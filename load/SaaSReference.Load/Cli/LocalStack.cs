using System.Diagnostics;

namespace SaaSReference.Load.Cli;

/// <summary>
/// The local stack (AppHost: gateway on 127.0.0.1:8080). If it is not answering, it is started for the run
/// (<c>dotnet run --project src/SaaSReference.AppHost</c>) and stopped afterwards; waiting is bounded.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    public static readonly Uri Gateway = new("http://127.0.0.1:8080/");
    public static readonly Uri FirstSilo = new("http://127.0.0.1:8101/");
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private Process? _process;

    public static async Task<bool> IsUpAsync(Uri gateway, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(new Uri("health", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task StartAsync(string repositoryRoot, TextWriter output, CancellationToken cancellationToken)
    {
        var log = Path.Combine(repositoryRoot, "load", "reports", "apphost.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        output.WriteLine($"The local stack is not running: starting it (log: {log}) ...");
        var start = new ProcessStartInfo("dotnet", ["run", "--project", Path.Combine(repositoryRoot, "src", "SaaSReference.AppHost")])
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the AppHost.");
        var writer = new StreamWriter(log) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => { lock (writer) { writer.WriteLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (writer) { writer.WriteLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited ({_process.ExitCode}); see {log}.");
            }
            if (await IsUpAsync(Gateway, cancellationToken))
            {
                // The demo tenant is seeded just after the gateway is ready.
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
        throw new TimeoutException($"The local stack did not answer within {StartTimeout.TotalMinutes} minutes; see {log}.");
    }

    public static string? RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SaaSReference.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        _process?.Dispose();
    }
}
