using SaaSReference.Load.Engine;
using SaaSReference.Load.Progress;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Scenarios;
using Spectre.Console;

namespace SaaSReference.Load.Cli;

/// <summary>
/// The command: parse, find the platform (the given --target, else the local stack, started if need be), run
/// the scenario, check the thresholds, write the reports. Exit codes: 0 passed, 1 a threshold or check failed,
/// 2 bad command line, 3 the run could not be set up.
/// </summary>
public static class LoadProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (FormatException e)
        {
            output.WriteLine(e.Message);
            output.WriteLine(Usage());
            return 2;
        }
        if (options.Scenario == "serve")
        {
            return await EchoServer.RunAsync(options, output);
        }
        if (ScenarioCatalog.NotYetImplemented.Contains(options.Scenario))
        {
            output.WriteLine($"The '{options.Scenario}' scenario is not implemented yet (see load/README.md).");
            return 2;
        }
        if (ScenarioCatalog.All.FirstOrDefault(s => s.Name == options.Scenario) is not { } scenario)
        {
            output.WriteLine($"Unknown scenario '{options.Scenario}'.");
            output.WriteLine(Usage());
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await RunScenarioAsync(scenario, options, output, cancel.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or TargetRefusedException or HttpRequestException or TimeoutException)
        {
            output.WriteLine($"{scenario.Name}: {e.Message}");
            return 3;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> RunScenarioAsync(ILoadScenario scenario, LoadOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var explicitHosts = new[] { options.Target, options.Silo, options.Url }.OfType<Uri>().Select(u => u.Host);
        var guard = new TargetGuard(explicitHosts);
        var root = LocalStack.RepositoryRoot(Directory.GetCurrentDirectory());
        await using var stack = new LocalStack();
        PlatformSecrets? secrets = null;
        // A scenario that starts its own stack (failover) only talks to the loopback ports it opened.
        var ownStack = scenario is IOwnStackScenario own && own.OwnsStack(options);
        if (ownStack && (options.Target is not null || options.Url is not null))
        {
            throw new InvalidOperationException($"{scenario.Name} starts its own stack on loopback (it must own the processes it kills): --target and --url do not apply.");
        }
        var gateway = options.Target ?? options.Url ?? LocalStack.Gateway;
        guard.Check(gateway);
        if (options.Target is null && options.Url is null && !ownStack)
        {
            if (!await LocalStack.IsUpAsync(gateway, cancellationToken))
            {
                if (!options.StartStack || root is null)
                {
                    throw new InvalidOperationException($"Nothing answers at {gateway}: start the stack (dotnet run --project src/SaaSReference.AppHost) or pass --target.");
                }
                await stack.StartAsync(root, output, cancellationToken);
            }
            secrets = PlatformSecrets.TryLoad(options.SecretsPath ?? PlatformSecrets.DefaultPath(root ?? Directory.GetCurrentDirectory()));
        }
        IProgressSink progress = options.Plain || Console.IsOutputRedirected || !ReferenceEquals(output, Console.Out)
            || !AnsiConsole.Profile.Capabilities.Interactive
            ? new PlainProgress(output, TimeSpan.FromSeconds(5))
            : new LiveProgress(AnsiConsole.Console);
        using var environment = new ScenarioEnvironment(options, gateway, secrets, guard, new LoadRunner(progress), output);
        var report = await scenario.RunAsync(environment, cancellationToken);
        report = report.WithChecks(options.Thresholds.SelectMany(t => t.Evaluate(report.Phases)));
        var folder = ReportWriter.Write(report, options.ReportsRoot ?? ReportWriter.DefaultRoot(Directory.GetCurrentDirectory()));
        output.WriteLine();
        output.WriteLine(MarkdownReport.Render(report));
        output.WriteLine($"Reports: {folder}");
        return report.ExitCode;
    }

    public static string Usage() => string.Join(Environment.NewLine,
        "usage: dotnet run --project load/SaaSReference.Load -- <scenario> [options]",
        "scenarios: " + string.Join(", ", ScenarioCatalog.All.Select(s => s.Name)) + ", serve (loopback endpoint for crosscheck.sh)",
        "options: --target URL  --silo URL  --url URL  --operator-key KEY  --client ID:SECRET (repeatable)",
        "         --duration 30s  --warmup 2s  --rate N  --copies N  --max-requests N  --tenants N  --quiet-tenants N",
        "         --variant kill|stop|identity-kill|postgres-restart (failover), machine|mfa (signin)  --users N  --identities 1|2 (signin mfa)",
        "         --plan-rps 10  --max-p99-ratio 3  --connection-string CS  --threshold p99<500 (repeatable)",
        "         --clustering CS  --cluster-id ID (baseline's grain leg: the Orleans clustering database and cluster id)",
        "         --reports DIR  --secrets FILE  --no-start-stack  --plain  --port N  --delay 5ms (serve)");
}
