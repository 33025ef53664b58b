using System.Diagnostics;
using System.Text;
using SaaSReference.LocalInfrastructure;

namespace SaaSReference.Testing;

/// <summary>
/// One platform service (silo, identity, gateway) run as a real OS process from its build output, with its
/// output kept for diagnostics. It can be killed (SIGKILL: a crash) or stopped (SIGTERM: a graceful stop).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private readonly Queue<string> _output = new();
    private Process? _process;

    public ServiceProcess(string name, string project, int httpPort, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        Project = project;
        HttpPort = httpPort;
        Environment = environment;
    }

    public string Name { get; }
    public string Project { get; }
    public int HttpPort { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");
    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is running already.");
        }
        var assembly = BuildOutput.Assembly(Project);
        // The service's own build folder is its content root, so it reads its own appsettings.json (the silo's
        // failure-detection settings, the gateway's routes), as it does when deployed.
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = $"http://127.0.0.1:{HttpPort}";
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Name}.");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits until GET <paramref name="path"/> answers 200, or fails with the process output.</summary>
    public async Task WaitUntilHealthyAsync(string path = "/health/ready", TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"{Name} exited with {_process?.ExitCode} before it was healthy:\n{Output()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} was not healthy at {path} in time:\n{Output()}");
    }

    /// <summary>SIGKILL: the process dies at once, as in a crash; nothing is flushed or handed over.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM: the host shuts down gracefully (Orleans leaves the cluster and hands over).</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], throwOnError: false);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(45));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public string Output()
    {
        lock (_output)
        {
            var text = new StringBuilder();
            foreach (var line in _output)
            {
                text.AppendLine(line);
            }
            return text.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue($"[{Name}] {line}");
            while (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }
}
