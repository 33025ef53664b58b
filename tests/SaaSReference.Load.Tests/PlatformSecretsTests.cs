using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Progress;

namespace SaaSReference.Load.Tests;

/// <summary>The local stack's secrets file: the load machine clients are picked up when no --client is given.</summary>
public sealed class PlatformSecretsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"load-secrets-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void LoadClients_AreUsed_QuietFirst_NoisyLast()
    {
        File.WriteAllText(_file, """
            {"BootstrapKey":"k","DashboardToken":"d","GatewayClientSecret":"g","DemoMachineClientSecret":"demo",
             "LoadMachineClientSecrets":{"load-noisy-worker":"n","load-quiet-2-worker":"q2","load-quiet-1-worker":"q1","load-quiet-3-worker":"q3"}}
            """);
        var secrets = PlatformSecrets.TryLoad(_file)!;
        using var environment = Environment(LoadOptions.Parse(["isolation"]), secrets);
        Assert.Equal(["load-quiet-1-worker", "load-quiet-2-worker", "load-quiet-3-worker", "load-noisy-worker"],
            environment.MachineClients.Select(c => c.Id));
        Assert.Equal("q1", environment.MachineClients[0].Secret);
    }

    [Fact]
    public void ClientsOnTheCommandLine_WinOverTheFile()
    {
        File.WriteAllText(_file, """{"BootstrapKey":"k","DemoMachineClientSecret":"demo","LoadMachineClientSecrets":{"load-noisy-worker":"n"}}""");
        using var environment = Environment(LoadOptions.Parse(["isolation", "--client", "a:1", "--client", "b:2"]), PlatformSecrets.TryLoad(_file));
        Assert.Equal(["a", "b"], environment.MachineClients.Select(c => c.Id));
    }

    [Fact]
    public void AnOlderFile_WithoutLoadClients_FallsBackToTheDemoClient()
    {
        File.WriteAllText(_file, """{"BootstrapKey":"k","DemoMachineClientSecret":"demo"}""");
        using var environment = Environment(LoadOptions.Parse(["signin"]), PlatformSecrets.TryLoad(_file));
        Assert.Equal([(PlatformSecrets.DemoMachineClientId, "demo")], environment.MachineClients);
    }

    private static ScenarioEnvironment Environment(LoadOptions options, PlatformSecrets? secrets) =>
        new(options, new Uri("http://127.0.0.1:1/"), secrets, new TargetGuard([]), new LoadRunner(new PlainProgress(TextWriter.Null, TimeSpan.FromSeconds(5))), TextWriter.Null);
}
