using System.Net.Http.Json;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Scenarios;

/// <summary>
/// `isolation` (12.1.3a/b/c): quiet tenants read at a steady rate within their plan, first alone, then while one
/// noisy tenant sends 20 times its plan. Shows each quiet tenant's p99 in both phases and the ratio, how much of
/// the noisy tenant's excess the gateway refused (429), and whether the abuse policy froze it (403 / status).
/// Each tenant needs its own machine client (--client ID:SECRET, the last one is the noisy tenant).
/// </summary>
public sealed class IsolationScenario : ILoadScenario
{
    public string Name => "isolation";

    public string Description => "quiet tenants' p99 with and without a noisy tenant at 20x its plan";

    public async Task<RunReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var clients = environment.MachineClients.Distinct().ToList();
        if (clients.Count < 2)
        {
            throw new InvalidOperationException("isolation needs machine clients of at least 2 tenants: pass --client ID:SECRET for each " +
                "(the last is the noisy tenant), or run against the local stack, which seeds load-quiet-1..3 and load-noisy (load/README.md).");
        }
        var http = environment.CreateClient(environment.Gateway);
        var tenants = new List<(string Tenant, string Token)>();
        foreach (var (id, secret) in clients.TakeLast(options.QuietTenants + 1))
        {
            string token;
            string? tenant;
            try
            {
                (token, tenant) = await PlatformApi.MachineTokenAsync(http, id, secret, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                // A frozen tenant's clients get no token (the identity service refuses them), so this is where a frozen tenant
                // shows: it can be neither quiet nor noisy. Unfreezing needs a second person (12.1.2), which a load run does
                // not stand in for.
                throw new InvalidOperationException(e.Message + " If its tenant is frozen (the abuse policy freezes the noisy tenant " +
                    "of a long run), it is unfrozen by a change request (POST /api/change-requests {\"kind\":\"unfreeze\"," +
                    "\"tenantId\":\"...\",\"reason\":\"...\",\"payload\":{}} as operator) that an approver approves; on the local " +
                    "stack the approver is approver@saasreference.local (printed at start). Or name another tenant's client with --client.", e);
            }
            tenants.Add((tenant ?? throw new InvalidOperationException($"The token of {id} names no tenant."), token));
            await PrepareAsync(http, tenant, token, cancellationToken);
        }
        var started = DateTimeOffset.UtcNow;
        var duration = options.DurationOr(TimeSpan.FromSeconds(20));
        var quietRate = options.Rate ?? Math.Max(1, (int)(options.PlanRps / 2));
        var noisyRate = (int)Math.Ceiling(options.PlanRps * 20);
        var quiet = tenants.Take(tenants.Count - 1).Select(t => Reader($"quiet-{t.Tenant}", http, t, new Inject(quietRate, TimeSpan.FromSeconds(1), duration), options)).ToList();
        var noisyTenant = tenants[^1];
        var noisy = Reader($"noisy-{noisyTenant.Tenant}", http, noisyTenant, new Inject(noisyRate, TimeSpan.FromSeconds(1), duration), options);

        var alone = await environment.Runner.RunAsync("quiet tenants alone", quiet, cancellationToken);
        var operatorKey = environment.OperatorKey;
        var watch = operatorKey is null ? null : TenantStatusWatch.Start(http, operatorKey, noisyTenant.Tenant);
        PhaseResult together;
        try
        {
            together = await environment.Runner.RunAsync("quiet tenants + noisy tenant", [.. quiet, noisy], cancellationToken);
        }
        finally
        {
            if (watch is not null)
            {
                await watch.DisposeAsync();
            }
        }

        var summary = new List<SummaryLine>();
        var checks = new List<ThresholdResult>();
        foreach (var q in quiet)
        {
            var before = alone[q.Name].Steps[0];
            var after = together[q.Name].Steps[0];
            summary.Add(new($"{q.Name} p99 ms alone / with noisy / ratio", $"{Format.Ms(before.P99Ms)} / {Format.Ms(after.P99Ms)} / {Format.Ratio(after.P99Ms, before.P99Ms)}"));
            // A p99 of fewer than 100 answers is one or two of the slowest: on a short run the check judges the p95 instead,
            // and says so (the summary still shows the p99).
            var (percentile, alonePart, withPart) = Math.Min(before.Ok, after.Ok) >= MinimumForP99
                ? ("p99", before.P99Ms, after.P99Ms)
                : ("p95", before.P95Ms, after.P95Ms);
            var ratio = alonePart > 0 ? withPart / alonePart : 0;
            checks.Add(new($"{q.Name}: {percentile} with the noisy tenant <= {Format.Number(options.MaxP99Ratio)} x alone" +
                (percentile == "p99" ? "" : $" (p95: {Math.Min(before.Ok, after.Ok)} answers a phase are too few for a p99, {MinimumForP99} needed)"),
                ratio, ratio <= options.MaxP99Ratio));
            checks.Add(new($"{q.Name}: no request refused while within plan", after.Failed + before.Failed, after.Failed + before.Failed == 0));
        }
        var n = together[noisy.Name].Steps[0];
        var refused = n.Errors.Where(e => e.Status == 429).Sum(e => e.Count);
        var frozenAnswers = n.Errors.Where(e => e.Status == 403).Sum(e => e.Count);
        var allowed = (options.PlanRps * together[noisy.Name].Duration.TotalSeconds) + (2 * options.PlanRps);
        var excess = Math.Max(0, n.Count - allowed);
        var status = operatorKey is null ? null : await PlatformApi.TenantStatusAsync(http, operatorKey, noisyTenant.Tenant, cancellationToken);
        summary.Add(new($"{noisy.Name} sent / accepted / refused 429 / refused 403", $"{n.Count} / {n.Ok} / {refused} / {frozenAnswers}"));
        // Refused: 429 by the rate limits, and 403 once the abuse policy has frozen the tenant (gateway or silo).
        summary.Add(new($"{noisy.Name} excess over plan refused (429, or 403 once frozen)", excess > 0
            ? $"{Format.Percent(Math.Min(1, (refused + frozenAnswers) / excess))} (429: {refused}, 403: {frozenAnswers})" : "no excess"));
        summary.Add(new($"{noisy.Name} throttled by the abuse policy", When(watch, "throttled", status)));
        summary.Add(new($"{noisy.Name} frozen by the abuse policy", frozenAnswers > 0 || status == "frozen"
            ? $"yes ({When(watch, "frozen", status)}; 403 answers: {frozenAnswers}, status at the end: {status ?? "unknown"})"
            : $"no (status at the end: {status ?? "unknown: no operator key"})"));
        foreach (var line in summary)
        {
            environment.Output.WriteLine($"{line.Label}: {line.Value}");
        }
        return ScenarioCatalog.Report(environment, Name, started, [alone, together], summary, checks);
    }

    /// <summary>When the watch first saw <paramref name="status"/>, from the start of the noisy phase's warm-up, for the summary.</summary>
    private static string When(TenantStatusWatch? watch, string status, string? final) =>
        watch?.FirstSeen(status) is { } at ? $"{Format.Seconds(at)} after the noisy tenant's load began"
        : watch is null ? "unknown: no operator key"
        : final == status ? "at the end of the phase" : "no";

    private static Scenario Reader(string name, HttpClient http, (string Tenant, string Token) tenant, LoadSimulation simulation, LoadOptions options) =>
        new(name, [new Step("read-record", c => HttpSteps.SendAsync(http,
            HttpSteps.Get($"/api/tenants/{tenant.Tenant}/records/load/probe", bearer: tenant.Token), c.CancellationToken))], [simulation])
        { WarmUp = options.WarmUp ?? DefaultWarmUp, MaxIterations = options.MaxRequests };

    /// <summary>How many answers a phase needs for its p99 to be judged (below, the p95 is).</summary>
    internal const long MinimumForP99 = 100;

    /// <summary>
    /// Each phase first runs this long unmeasured (--warmup to change it): a stack in its first minutes answers its first
    /// requests slowly, which would otherwise land in the quiet tenants' p99 alone or with the noisy one.
    /// </summary>
    private static readonly TimeSpan DefaultWarmUp = TimeSpan.FromSeconds(5);

    private static async Task PrepareAsync(HttpClient http, string tenant, string token, CancellationToken cancellationToken)
    {
        var result = await HttpSteps.SendAsync(http, HttpSteps.Request(HttpMethod.Put, $"/api/tenants/{tenant}/records/load/probe",
            JsonContent.Create(new { purpose = "isolation load scenario" }), bearer: token), cancellationToken);
        if (!result.IsOk)
        {
            throw new InvalidOperationException($"Writing the probe record of tenant {tenant} was answered {result.StatusCode} {result.Reason}.");
        }
    }
}
