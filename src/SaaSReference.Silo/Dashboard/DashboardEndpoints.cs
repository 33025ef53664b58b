using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Audit;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Dashboard;

/// <summary>What a dashboard endpoint serves, and so what the guard does with it.</summary>
public enum DashboardEndpointKind
{
    /// <summary>The page (index.html): opening it is recorded (12.4.3a).</summary>
    Page,

    /// <summary>Scripts, styles, fonts, images of the page.</summary>
    Asset,

    /// <summary>The JSON the page polls: cluster, silo and grain-type statistics, reminders. Never cached.</summary>
    Data,

    /// <summary>Mapped by the package but never served here: 403 problem for everyone (see <see cref="DashboardEndpoints.Classify"/>).</summary>
    Refused,
}

/// <summary>Endpoint metadata: the kind of a dashboard endpoint, set when the endpoints are built.</summary>
public sealed record DashboardEndpointMetadata(DashboardEndpointKind Kind);

/// <summary>
/// The Orleans dashboard (Microsoft.Orleans.Dashboard) on the silo's own HTTP API under <see cref="Path"/>, for
/// platform operators only (9.4.4b, 9.1.2): no port of its own, every endpoint it maps (page, assets, data) behind
/// <see cref="Policy"/>, opening the page recorded before it is answered (12.4.3a), the views that would show tenants'
/// data refused (8.1.1a). See docs/dashboard.md.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The fixed path, on every silo and through the gateway alike.</summary>
    public const string Path = "/dashboard";

    /// <summary>9.4.4b: the platform's operators; not auditors, approvers or anyone of a tenant.</summary>
    public const string Policy = "orleans-dashboard";

    public const string RefusedProblemType = "https://saasreference.local/problems/dashboard-view-refused";

    private static readonly HashSet<string> Assets = new(["favicon.ico", "index.min.js", "index.css", "fonts", "img"], StringComparer.Ordinal);

    // Statistics of the cluster, its silos and grain types (counts, latencies, exceptions per type and method), silo
    // properties and lifecycle, and the reminders (grain ids, which include tenant ids: acceptable for operators).
    private static readonly HashSet<string> Data = new(
    [
        "version", "DashboardCounters", "ClusterStats", "Reminders", "HistoricalStats", "SiloProperties", "SiloMetadata",
        "SiloStats", "SiloCounters", "GrainStats", "TopGrainMethods", "LifecycleStages", "GrainTypes",
    ], StringComparer.Ordinal);

    /// <summary>
    /// Registers the dashboard's services and its grain call profiler when <c>Dashboard:Enabled</c> is true. Call it
    /// after the platform's own grain call filters, so that the profiler times the grain, not the audit and quotas.
    /// </summary>
    public static ISiloBuilder AddPlatformDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SiloDashboardOptions.Section);
        var settings = section.Get<SiloDashboardOptions>() ?? new SiloDashboardOptions();
        silo.Services.AddOptions<SiloDashboardOptions>().Bind(section);
        if (!settings.Enabled)
        {
            return silo;
        }
        if (settings.Problem() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        silo.AddDashboard(options =>
        {
            // 6.3.2 j: sampling every few seconds instead of every second; the page polls the cached counters.
            options.CounterUpdateIntervalMs = (int)settings.CounterUpdateInterval.TotalMilliseconds;
            options.HistoryLength = settings.HistoryLength;
            // The live log stream could carry whatever a log line holds (tenant ids, record ids, errors): not served.
            options.HideTrace = true;
        });
        silo.Services.Configure<GrainProfilerOptions>(options =>
        {
            // Per-method counters only while an operator looks at the dashboard.
            options.TraceAlways = false;
            options.DeactivationTime = settings.ProfilingIdleTimeout;
        });
        silo.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator));
        return silo;
    }

    /// <summary>Maps the dashboard under <see cref="Path"/> when it is enabled; nothing otherwise (the path is then 404).</summary>
    public static IEndpointRouteBuilder MapPlatformDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.ServiceProvider.GetRequiredService<IOptions<SiloDashboardOptions>>().Value.Enabled)
        {
            return app;
        }

        // A group of our own around the package's endpoints: whatever the package maps through it (this version's
        // endpoints and any a later version adds) gets the policy, the classification and the guard.
        var group = app.MapGroup(string.Empty);
        group.RequireAuthorization(Policy);
        ((IEndpointConventionBuilder)group).Add(endpoint =>
        {
            var pattern = (endpoint as RouteEndpointBuilder)?.RoutePattern;
            endpoint.Metadata.Add(new DashboardEndpointMetadata(pattern is null ? DashboardEndpointKind.Refused : Classify(pattern)));
        });
        group.AddEndpointFilter(GuardAsync);
        group.MapOrleansDashboard(Path);
        return app;
    }

    /// <summary>
    /// The kind of a dashboard route, by its first segment below <see cref="Path"/>. Refused: <c>GrainState</c> (it
    /// activates any grain by type and id and returns what its parameterless getters answer, i.e. tenants' entrusted
    /// data), <c>Trace</c> (the silo's live log stream) and any route not listed here, until it has been reviewed.
    /// </summary>
    public static DashboardEndpointKind Classify(RoutePattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var raw = pattern.RawText ?? string.Empty;
        if (!raw.StartsWith(Path, StringComparison.OrdinalIgnoreCase) || (raw.Length > Path.Length && raw[Path.Length] != '/'))
        {
            return DashboardEndpointKind.Refused;
        }
        var first = raw[Path.Length..].Trim('/').Split('/', 2)[0];
        return first is "" or "index.html" ? DashboardEndpointKind.Page
            : Assets.Contains(first) ? DashboardEndpointKind.Asset
            : Data.Contains(first) ? DashboardEndpointKind.Data
            : DashboardEndpointKind.Refused;
    }

    private static async ValueTask<object?> GuardAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var kind = http.GetEndpoint()?.Metadata.GetMetadata<DashboardEndpointMetadata>()?.Kind ?? DashboardEndpointKind.Refused;
        switch (kind)
        {
            case DashboardEndpointKind.Refused:
                // 8.1.1a, 9.1.2: not even an operator reads tenants' data or the logs through the dashboard.
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Dashboard view refused",
                    type: RefusedProblemType,
                    detail: "This view of the Orleans dashboard could show tenants' data or the silo's logs and is not served on this platform.");
            case DashboardEndpointKind.Data:
                // 6.2.1c: operating data, not to be kept by the browser or anything on the way.
                http.Response.Headers.CacheControl = "no-store";
                return await next(context);
            case DashboardEndpointKind.Page:
                var result = await next(context);
                if (result is not RedirectHttpResult)
                {
                    // 9.4.4b, 12.4.3a: the privileged use is committed before the page is answered (the result is written
                    // after the filter returns); a trail that cannot be written fails the request instead.
                    var path = http.Request.PathBase.Add(http.Request.Path).Value ?? Path;
                    await http.RequestServices.GetRequiredService<IAuditTrail>().WriteNowAsync(new AuditEvent(
                        AuditEventTypes.DashboardOpened, AuditActor.Of(http.User), null, path, "success",
                        new Dictionary<string, string> { ["path"] = path }), http.RequestAborted);
                }
                return result;
            default:
                return await next(context);
        }
    }
}
