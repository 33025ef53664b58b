using System.Collections.Concurrent;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>A test double of <see cref="IAuditTrail"/> that keeps what it is given, for asserting which acts were recorded.</summary>
internal sealed class RecordingAuditTrail : IAuditTrail
{
    private readonly ConcurrentQueue<AuditEvent> _events = new();

    public IReadOnlyList<AuditEvent> Events => [.. _events];

    public ValueTask EnqueueAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(auditEvent);
        return ValueTask.CompletedTask;
    }

    public Task WriteNowAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        _events.Enqueue(auditEvent);
        return Task.CompletedTask;
    }
}
