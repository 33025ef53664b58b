using SaaSReference.Load.Cli;

namespace SaaSReference.Load.Tests;

/// <summary>
/// A test class's <see cref="FakePlatform"/> (started before each test, stopped after) and a reports folder of its own,
/// and the runner's command line against them: the platform as --target, its operator key, the folder, plain output.
/// </summary>
public abstract class FakePlatformRun : IAsyncLifetime
{
    protected string Reports { get; } = Path.Combine(Path.GetTempPath(), "load-smoke-" + Guid.NewGuid().ToString("N"));

    protected FakePlatform Platform { get; private set; } = null!;

    public async Task InitializeAsync() => Platform = await FakePlatform.StartAsync();

    public async Task DisposeAsync()
    {
        await Platform.DisposeAsync();
        if (Directory.Exists(Reports))
        {
            Directory.Delete(Reports, recursive: true);
        }
    }

    /// <summary>Runs the runner with <paramref name="args"/> against the fake platform: its exit code and all it printed.</summary>
    protected async Task<(int Code, string Output)> RunRunnerAsync(params string[] args)
    {
        var output = new StringWriter();
        var code = await LoadProgram.RunAsync([.. args, "--target", Platform.Url.ToString(), "--operator-key", FakePlatform.OperatorKey,
            "--reports", Reports, "--plain"], output);
        return (code, output.ToString());
    }
}
