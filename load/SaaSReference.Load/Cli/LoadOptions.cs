using System.Globalization;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Cli;

/// <summary>The command line: <c>&lt;scenario&gt; [--option value]... [--flag]...</c>.</summary>
public sealed class LoadOptions
{
    public string Scenario { get; set; } = "";
    public Uri? Target { get; set; }
    public Uri? Silo { get; set; }
    public Uri? Url { get; set; }
    public string? OperatorKey { get; set; }
    public TimeSpan? Duration { get; set; }
    public TimeSpan? WarmUp { get; set; }
    public int? Rate { get; set; }
    public int? Copies { get; set; }
    public long? MaxRequests { get; set; }
    /// <summary>--tenants: tenants to provision (tenants, default 1,000) or to spread the load over (failover, default 4).</summary>
    public int? Tenants { get; set; }
    /// <summary>--variant: the failover fault (kill, stop, identity-kill, postgres-restart; default kill); signin's kind (machine, the default, or mfa).</summary>
    public string? Variant { get; set; }
    /// <summary>--users: people seeded for signin's MFA variant (default 200).</summary>
    public int? Users { get; set; }
    /// <summary>--identities: identity instances of signin's MFA variant's own stack (1 or 2, default 1).</summary>
    public int? Identities { get; set; }
    public int QuietTenants { get; set; } = 3;
    public double PlanRps { get; set; } = 10;
    public double MaxP99Ratio { get; set; } = 3;
    public string? ConnectionString { get; set; }
    /// <summary>--clustering: the Orleans clustering database (connection string) a cluster client connects through (baseline's third leg).</summary>
    public string? Clustering { get; set; }
    /// <summary>--cluster-id: the Orleans ClusterId (and ServiceId) of that cluster; default the local stack's.</summary>
    public string? ClusterId { get; set; }
    public List<(string Id, string Secret)> Clients { get; } = [];
    public List<Threshold> Thresholds { get; } = [];
    public string? ReportsRoot { get; set; }
    public string? SecretsPath { get; set; }
    public bool StartStack { get; set; } = true;
    public bool Plain { get; set; }
    public int Port { get; set; } = 5599;
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;
    public string CommandLine { get; set; } = "";

    public TimeSpan DurationOr(TimeSpan fallback) => Duration ?? fallback;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new FormatException("The first argument names the scenario.");
        }
        var o = new LoadOptions { Scenario = args[0].ToLowerInvariant(), CommandLine = string.Join(' ', args.Select(Redact(args))) };
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value.");
            switch (name)
            {
                case "--target": o.Target = Absolute(Value(), name); break;
                case "--silo": o.Silo = Absolute(Value(), name); break;
                case "--url": o.Url = Absolute(Value(), name); break;
                case "--operator-key": o.OperatorKey = Value(); break;
                case "--duration": o.Duration = ParseDuration(Value()); break;
                case "--warmup": o.WarmUp = ParseDuration(Value()); break;
                case "--rate": o.Rate = Positive(Value(), name); break;
                case "--copies": o.Copies = Positive(Value(), name); break;
                case "--max-requests": o.MaxRequests = Positive(Value(), name); break;
                case "--tenants": o.Tenants = Positive(Value(), name); break;
                case "--variant": o.Variant = Value().ToLowerInvariant(); break;
                case "--users": o.Users = Positive(Value(), name); break;
                case "--identities": o.Identities = Positive(Value(), name); break;
                case "--quiet-tenants": o.QuietTenants = Positive(Value(), name); break;
                case "--plan-rps": o.PlanRps = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-p99-ratio": o.MaxP99Ratio = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--connection-string": o.ConnectionString = Value(); break;
                case "--clustering": o.Clustering = Value(); break;
                case "--cluster-id": o.ClusterId = Value(); break;
                case "--client": o.Clients.Add(Client(Value())); break;
                case "--threshold": o.Thresholds.Add(Threshold.Parse(Value())); break;
                case "--reports": o.ReportsRoot = Value(); break;
                case "--secrets": o.SecretsPath = Value(); break;
                case "--port": o.Port = Positive(Value(), name); break;
                case "--delay": o.Delay = ParseDuration(Value()); break;
                case "--no-start-stack": o.StartStack = false; break;
                case "--plain": o.Plain = true; break;
                default: throw new FormatException($"Unknown option {name}.");
            }
        }
        return o;
    }

    /// <summary><c>30s</c>, <c>2m</c>, <c>500ms</c>, <c>1h</c>, or a number of seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0) : text.EndsWith('m') ? (text[..^1], 60.0) : text.EndsWith('h') ? (text[..^1], 3600.0) : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || value * unit > 24 * 3600)
        {
            throw new FormatException($"'{text}' is not a duration (e.g. 30s, 2m, 500ms; at most 24h).");
        }
        return TimeSpan.FromSeconds(value * unit);
    }

    private static Func<string, int, string> Redact(IReadOnlyList<string> args) =>
        (arg, index) => index > 0 && args[index - 1] is "--operator-key" or "--client" or "--connection-string" or "--clustering" ? "***" : arg;

    private static Uri Absolute(string text, string name) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new FormatException($"{name} needs an absolute URL.");

    private static int Positive(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value : throw new FormatException($"{name} needs a positive whole number.");

    private static (string, string) Client(string text) => text.Split(':', 2) is [var id, var secret] && id.Length > 0 && secret.Length > 0
        ? (id, secret) : throw new FormatException("--client needs CLIENT_ID:SECRET.");
}
