using System.Text.Json;
using SaaSReference.Load.Cli;

namespace SaaSReference.Load.Tests;

/// <summary>
/// `signin --variant mfa` for real but tiny (9.1.1a, 9.1.2a, 9.2.3a): the runner starts its own throwaway PostgreSQL,
/// one silo, one identity instance and the gateway on loopback; 6 people enroll TOTP on the service's pages and then
/// sign in through the gateway with password and code for 3 s, 2 at a time. The accounting and the checks are asserted,
/// not the timings (load/README.md has the figures of a 200-person run).
/// </summary>
public sealed class MfaSigninSmokeTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "load-signin-mfa-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    [Fact]
    public async Task SixPeople_EnrollTotp_ThenSignInThroughTheGateway_WithTheRightSessionAndNoRefusal()
    {
        var output = new StringWriter();
        var code = await LoadProgram.RunAsync(["signin", "--variant", "mfa", "--users", "6", "--copies", "2", "--duration", "3s", "--reports", _reports, "--plain"], output);
        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("refused: password / TOTP code / rate-limited (429): 0 / 0 / 0", text, StringComparison.Ordinal);
        Assert.Contains("sessions of another person: 0", text, StringComparison.Ordinal);
        Assert.Contains("accounts locked out / with failed attempts counted / enrolled (identity store): 0 / 0 / 6 of 6", text, StringComparison.Ordinal);

        var json = Directory.GetFiles(_reports, "report.json", SearchOption.AllDirectories).Single();
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var root = report.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean(), root.ToString());
        var checks = root.GetProperty("checks");
        Assert.Equal(3, checks.GetArrayLength());
        Assert.All(checks.EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean(), c.ToString()));

        var phases = root.GetProperty("phases");
        Assert.Equal(2, phases.GetArrayLength());
        // Enrollment: every person once through every step.
        var enrollment = phases[0].GetProperty("scenarios")[0].GetProperty("steps");
        Assert.Equal(["login-page", "tenant", "password", "enroll", "continue", "callback", "me"], Names(enrollment));
        Assert.All(enrollment.EnumerateArray(), s =>
        {
            Assert.Equal(6, s.GetProperty("ok").GetInt64());
            Assert.Equal(0, s.GetProperty("failed").GetInt64());
        });
        // The measured sign-ins: each step once per sign-in, none failed, at least one (at most one per person in a TOTP step).
        var signIn = phases[1].GetProperty("scenarios")[0].GetProperty("steps");
        Assert.Equal(["login-page", "tenant", "password", "totp", "callback", "me"], Names(signIn));
        var completed = signIn[5].GetProperty("ok").GetInt64();
        Assert.InRange(completed, 1, 12);
        Assert.All(signIn.EnumerateArray(), s =>
        {
            Assert.Equal(completed, s.GetProperty("ok").GetInt64());
            Assert.Equal(0, s.GetProperty("failed").GetInt64());
        });
    }

    [Fact]
    public async Task MfaVariant_RefusesATarget_AndAnUnknownVariantIsRefusedBeforeAnythingStarts()
    {
        var output = new StringWriter();
        Assert.Equal(3, await LoadProgram.RunAsync(["signin", "--variant", "mfa", "--target", "http://127.0.0.1:1", "--reports", _reports], output));
        Assert.Contains("starts its own stack", output.ToString(), StringComparison.Ordinal);
        output = new StringWriter();
        Assert.Equal(3, await LoadProgram.RunAsync(["signin", "--variant", "sso", "--reports", _reports], output));
        Assert.Contains("Unknown signin variant 'sso'", output.ToString(), StringComparison.Ordinal);
    }

    private static string[] Names(JsonElement steps) => [.. steps.EnumerateArray().Select(s => s.GetProperty("step").GetString()!)];
}
