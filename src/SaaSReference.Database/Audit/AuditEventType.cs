namespace SaaSReference.Database.Audit;

/// <summary>How much an audit event matters to a reviewer (12.4.3d).</summary>
public enum AuditSeverity
{
    Info = 0,
    Notice = 1,
    Warning = 2,
    Critical = 3,
}

/// <summary>
/// One entry of the audit event catalogue (12.4.1a): what is recorded, by which layer, how severe it is and which
/// fields every record of it carries. <see cref="Privileged"/> events are committed before the act they record is
/// acknowledged; the others go through the batching queue.
/// </summary>
public sealed record AuditEventType(
    string Name,
    string Source,
    AuditSeverity Severity,
    bool Privileged,
    string Description,
    IReadOnlyList<string> RequiredFields)
{
    public static string Text(AuditSeverity severity) => severity switch
    {
        AuditSeverity.Info => "info",
        AuditSeverity.Notice => "notice",
        AuditSeverity.Warning => "warning",
        AuditSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };
}
