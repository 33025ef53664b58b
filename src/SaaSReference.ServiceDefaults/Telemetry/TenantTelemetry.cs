using System.Diagnostics;
using OpenTelemetry;

namespace SaaSReference.ServiceDefaults.Telemetry;

/// <summary>
/// 12.4.3a, 6.3.2 j: every span of a tenant's request carries the tenant, from the gateway through the silo and its
/// grain calls down to PostgreSQL. The layer that has validated the tenant (the gateway's admission control, the silo's,
/// the grain call filter from the grain's identity) marks its span with the attribute and puts the tenant in the
/// trace's baggage; <see cref="TenantSpanProcessor"/> copies it onto every span started below (Npgsql's included),
/// and the baggage crosses HTTP (W3C <c>baggage</c> header) and Orleans calls to the next process.
/// </summary>
public static class TenantTelemetry
{
    /// <summary>The span attribute and baggage key.</summary>
    public const string Attribute = "saasref.tenant.id";

    /// <summary>
    /// Marks <paramref name="activity"/> with the tenant a trusted layer established. Null removes the key from the
    /// baggage, so that a value a client sent in its own <c>baggage</c> header never labels the platform's spans.
    /// </summary>
    public static void Mark(Activity? activity, string? tenantId)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetBaggage(Attribute, tenantId);
        if (tenantId is not null)
        {
            activity.SetTag(Attribute, tenantId);
        }
    }
}

/// <summary>
/// Copies the tenant from the baggage onto each span that ends without it (database calls, outgoing HTTP, grain calls).
/// At the end, not the start: by then the trusted layer has replaced whatever baggage the client sent, and processors
/// run before the exporter, which therefore sees the attribute.
/// </summary>
public sealed class TenantSpanProcessor : BaseProcessor<Activity>
{
    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetTagItem(TenantTelemetry.Attribute) is null && data.GetBaggageItem(TenantTelemetry.Attribute) is { Length: > 0 } tenantId)
        {
            data.SetTag(TenantTelemetry.Attribute, tenantId);
        }
    }
}
