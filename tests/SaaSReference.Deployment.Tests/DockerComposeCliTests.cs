using System.Diagnostics;
using SaaSReference.Deployment.Tests.Infrastructure;

namespace SaaSReference.Deployment.Tests;

/// <summary>
/// Where the docker CLI with its compose plugin is installed (no engine is needed), Compose itself validates the
/// file. Skipped, and reported as skipped, where it is not: the YAML tests carry the weight.
/// </summary>
public sealed class DockerComposeCliTests
{
    [DockerComposeFact]
    public void DockerComposeConfig_RequiredVariablesSet_IsValid()
    {
        var (exitCode, output) = DockerComposeFactAttribute.Run("config", "-q", new Dictionary<string, string>
        {
            ["POSTGRES_PASSWORD"] = "test", ["PLATFORM_BOOTSTRAP_KEY"] = "test", ["GATEWAY_CLIENT_SECRET"] = "test", ["AUDIT_CHECKPOINT_SIGNING_KEY"] = "test",
        });
        Assert.True(exitCode == 0, output);
    }

    [DockerComposeFact]
    public void DockerComposeConfig_PasswordUnset_FailsNamingIt()
    {
        var (exitCode, output) = DockerComposeFactAttribute.Run("config", "-q", new Dictionary<string, string>
        {
            ["PLATFORM_BOOTSTRAP_KEY"] = "test", ["GATEWAY_CLIENT_SECRET"] = "test", ["AUDIT_CHECKPOINT_SIGNING_KEY"] = "test",
        });
        Assert.NotEqual(0, exitCode);
        Assert.Contains("POSTGRES_PASSWORD", output, StringComparison.Ordinal);
    }

    [DockerComposeFact]
    public void DockerComposeConfig_CheckpointSigningKeyUnset_FailsNamingIt()
    {
        var (exitCode, output) = DockerComposeFactAttribute.Run("config", "-q", new Dictionary<string, string>
        {
            ["POSTGRES_PASSWORD"] = "test", ["PLATFORM_BOOTSTRAP_KEY"] = "test", ["GATEWAY_CLIENT_SECRET"] = "test",
        });
        Assert.NotEqual(0, exitCode);
        Assert.Contains("AUDIT_CHECKPOINT_SIGNING_KEY", output, StringComparison.Ordinal);
    }
}

/// <summary>A fact that is skipped when <c>docker compose</c> cannot run here.</summary>
public sealed class DockerComposeFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            return Run("version", null, new Dictionary<string, string>()).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no docker executable
        }
    });

    public DockerComposeFactAttribute()
    {
        if (!Available.Value)
        {
            Skip = "docker compose is not installed here";
        }
    }

    /// <summary>Runs <c>docker compose -f docker-compose.yml ARGS</c> with only the given compose variables set.</summary>
    internal static (int ExitCode, string Output) Run(string command, string? flag, IReadOnlyDictionary<string, string> variables)
    {
        var emptyEnvFile = Path.GetTempFileName(); // so that a developer's .env does not set the variables
        try
        {
            var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
            foreach (var argument in new[] { "compose", "--env-file", emptyEnvFile, "-f", Repo.PathOf(ComposeFile.FileName), command, flag }.OfType<string>())
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var name in ComposeVariables)
            {
                start.Environment.Remove(name);
            }
            foreach (var (name, value) in variables)
            {
                start.Environment[name] = value;
            }
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "docker compose timed out");
            }
            return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
        }
        finally
        {
            File.Delete(emptyEnvFile);
        }
    }

    private static readonly string[] ComposeVariables =
        ["POSTGRES_PASSWORD", "PLATFORM_BOOTSTRAP_KEY", "POSTGRES_USER", "GATEWAY_CLIENT_SECRET", "AUDIT_CHECKPOINT_SIGNING_KEY", "PUBLIC_BASE_URL"];
}
