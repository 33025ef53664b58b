using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>Listens to the gateway's admission counters (in-process hosts) while it lives.</summary>
public sealed class AdmissionMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, string Tenant, string? Reason, long Value)> _measurements = new();

    public AdmissionMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tenant = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "tenant") tenant = tag.Value as string;
                if (tag.Key == "reason") reason = tag.Value as string;
            }
            _measurements.Enqueue((instrument.Name, tenant ?? "", reason, value));
        });
        _listener.Start();
    }

    public long Count(string instrument, string tenant, string? reason = null) => _measurements
        .Where(m => m.Instrument == instrument && m.Tenant == tenant && (reason is null || m.Reason == reason))
        .Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
