namespace SaaSReference.LocalInfrastructure;

/// <summary>Finds PostgreSQL's server programs, installing Debian's package when they are missing.</summary>
public static class PostgresBinaries
{
    private const string Root = "/usr/lib/postgresql";
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string? Locate()
    {
        var configured = Environment.GetEnvironmentVariable("SAASREF_PG_BIN");
        if (!string.IsNullOrEmpty(configured) && File.Exists(Path.Combine(configured, "pg_ctl")))
        {
            return configured;
        }
        if (!Directory.Exists(Root))
        {
            return null;
        }
        return Directory.GetDirectories(Root)
            .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
            .Where(x => File.Exists(Path.Combine(x.dir, "bin", "pg_ctl")) && File.Exists(Path.Combine(x.dir, "bin", "initdb")))
            .OrderByDescending(x => x.version)
            .Select(x => Path.Combine(x.dir, "bin"))
            .FirstOrDefault();
    }

    public static async Task<string> LocateOrInstallAsync(bool install, Action<string> log, CancellationToken cancellationToken)
    {
        if (Locate() is { } found)
        {
            return found;
        }
        if (!install || !Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                "No PostgreSQL server binaries were found under /usr/lib/postgresql. Install them with " +
                "'sudo apt-get install postgresql' (or set SAASREF_PG_BIN to the folder holding pg_ctl and initdb).");
        }

        await InstallGate.WaitAsync(cancellationToken);
        try
        {
            if (Locate() is { } raced)
            {
                return raced;
            }
            log("Installing Debian's postgresql package (no server binaries found)...");
            var environment = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            await ProcessRunner.RunAsync("apt-get", ["update", "-q"], cancellationToken, environment: environment);
            await ProcessRunner.RunAsync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "postgresql"], cancellationToken, environment: environment);
            return Locate() ?? throw new InvalidOperationException("apt-get installed postgresql, but pg_ctl is still not found.");
        }
        finally
        {
            InstallGate.Release();
        }
    }
}
