using System.Diagnostics.Metrics;

namespace SaaSReference.Gateway.RateLimiting;

/// <summary>
/// Admission counters of the gateway (12.1.3a: resource use is watched all the time), exported by OpenTelemetry
/// with the platform's other <c>SaaSReference.*</c> meters. Tagged with the tenant for tenant callers only: staff
/// subjects and client addresses stay out of the metrics (cardinality, and they are personal data).
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "SaaSReference.Gateway";
    public const string AdmittedName = "saasreference.gateway.requests.admitted";
    public const string RejectedName = "saasreference.gateway.requests.rejected";

    public const string ReasonRate = "rate";
    public const string ReasonFrozen = "frozen";

    private readonly Counter<long> _admitted;
    private readonly Counter<long> _rejected;

    public GatewayMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _admitted = meter.CreateCounter<long>(AdmittedName, "{request}", "Requests admitted to a destination by the gateway's admission control.");
        _rejected = meter.CreateCounter<long>(RejectedName, "{request}", "Requests refused by the gateway's admission control, by reason.");
    }

    public void Admitted(Caller caller) => _admitted.Add(1, KindTag(caller), TenantTag(caller));

    public void Rejected(Caller caller, string reason) =>
        _rejected.Add(1, KindTag(caller), TenantTag(caller), new KeyValuePair<string, object?>("reason", reason));

    private static KeyValuePair<string, object?> KindTag(Caller caller) =>
        new("caller", caller.Kind switch { CallerKind.Tenant => "tenant", CallerKind.Staff => "staff", _ => "anonymous" });

    private static KeyValuePair<string, object?> TenantTag(Caller caller) => new("tenant", caller.TenantId ?? "");
}
