using System.Diagnostics;
using SaaSReference.Grains.Audit;
using SaaSReference.ServiceDefaults.Telemetry;

namespace SaaSReference.Silo.Telemetry;

/// <summary>
/// 12.4.3a: a grain call's span names the tenant the grain belongs to (from the grain's identity, never from the caller),
/// so that the database calls the grain makes carry it too (<see cref="TenantSpanProcessor"/>), also for calls no HTTP
/// request started (reminders, timers, another silo's call).
/// </summary>
public sealed class TenantTraceCallFilter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Activity.Current is { } activity && AuditCallFilter.TenantOf(context) is { } tenantId)
        {
            TenantTelemetry.Mark(activity, tenantId);
        }
        return context.Invoke();
    }
}
