using System.Collections.Concurrent;
using SaaSReference.Identity.Events;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>Keeps every raised security event, for assertions.</summary>
public sealed class InMemorySecurityEventSink : ISecurityEventSink
{
    private readonly ConcurrentQueue<SecurityEvent> _events = new();

    public IReadOnlyList<SecurityEvent> Events => [.. _events];

    public IReadOnlyList<SecurityEvent> OfType(string type) => [.. _events.Where(e => e.Type == type)];

    public ValueTask RaiseAsync(SecurityEvent securityEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(securityEvent);
        return ValueTask.CompletedTask;
    }
}
