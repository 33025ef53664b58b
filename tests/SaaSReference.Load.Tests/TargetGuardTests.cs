using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;

namespace SaaSReference.Load.Tests;

public sealed class TargetGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://127.8.9.10/")]
    [InlineData("http://localhost:5000/")]
    [InlineData("http://[::1]:8080/")]
    public void Guard_AllowsLoopback(string url) => Assert.True(TargetGuard.LoopbackOnly.Allows(new Uri(url)));

    [Theory]
    [InlineData("http://10.0.0.1/")]
    [InlineData("https://example.com/")]
    [InlineData("http://128.0.0.1/")]
    [InlineData("ftp://127.0.0.1/")]
    public void Guard_RefusesAnythingElse(string url) => Assert.False(TargetGuard.LoopbackOnly.Allows(new Uri(url)));

    [Fact]
    public void Guard_AllowsAHostOnlyWhenGivenExplicitly()
    {
        var guard = new TargetGuard(["gateway.staging.internal"]);
        Assert.True(guard.Allows(new Uri("https://gateway.staging.internal/api")));
        Assert.False(guard.Allows(new Uri("https://other.staging.internal/api")));
    }

    [Fact]
    public async Task GuardedHandler_RefusesARequestToANonLoopbackHost_WithoutSendingIt()
    {
        using var client = new HttpClient(new GuardedHandler(TargetGuard.LoopbackOnly, new SocketsHttpHandler()));
        await Assert.ThrowsAsync<TargetRefusedException>(() => client.GetAsync(new Uri("http://192.0.2.1/")));
    }

    [Fact]
    public async Task Command_WithANonLoopbackSiloNotGivenAsTarget_StillOnlyReachesExplicitHosts()
    {
        var output = new StringWriter();
        // --silo names the host explicitly, so it is allowed; the local gateway (no --target) is not running here,
        // and with --no-start-stack the run stops before sending anything.
        var code = await LoadProgram.RunAsync(["baseline", "--silo", "http://127.0.0.1:1/", "--no-start-stack", "--secrets", "/nonexistent"], output);
        Assert.Equal(3, code);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("500ms", 0.5)]
    [InlineData("7", 7)]
    public void Duration_IsParsed(string text, double seconds) => Assert.Equal(seconds, LoadOptions.ParseDuration(text).TotalSeconds, 6);

    [Fact]
    public async Task Command_UnknownScenario_ExitsWithTwo() =>
        Assert.Equal(2, await LoadProgram.RunAsync(["nonsense"], TextWriter.Null));

    [Fact]
    public async Task Failover_WithATarget_IsRefusedBeforeStartingAnything()
    {
        // failover must own the processes it kills: it never runs against a given deployment.
        var output = new StringWriter();
        Assert.Equal(3, await LoadProgram.RunAsync(["failover", "--target", "http://127.0.0.1:1/"], output));
        Assert.Contains("starts its own stack", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_BadOption_ExitsWithTwo() =>
        Assert.Equal(2, await LoadProgram.RunAsync(["http", "--bogus"], TextWriter.Null));

    [Fact]
    public void CommandLine_HidesSecrets()
    {
        var options = LoadOptions.Parse(["signin", "--client", "id:very-secret", "--operator-key", "k3y"]);
        Assert.DoesNotContain("very-secret", options.CommandLine, StringComparison.Ordinal);
        Assert.DoesNotContain("k3y", options.CommandLine, StringComparison.Ordinal);
    }
}
