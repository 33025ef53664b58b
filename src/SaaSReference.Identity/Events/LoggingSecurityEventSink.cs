namespace SaaSReference.Identity.Events;

/// <summary>
/// The default <see cref="ISecurityEventSink"/>: one structured log entry per event, under the category
/// <c>SaaSReference.Identity.SecurityEvents</c>, with the event's fields as named properties so that a log
/// pipeline (OpenTelemetry) can route them to the audit trail (9.1.2e, 12.4.x) without parsing text.
/// </summary>
public sealed partial class LoggingSecurityEventSink(ILoggerFactory loggerFactory) : ISecurityEventSink
{
    public const string Category = "SaaSReference.Identity.SecurityEvents";
    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public ValueTask RaiseAsync(SecurityEvent securityEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(securityEvent);
        var details = securityEvent.Details is null or { Count: 0 }
            ? ""
            : string.Join(' ', securityEvent.Details.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));
        if (securityEvent.Outcome == SecurityEventOutcomes.Success)
        {
            LogSuccess(_logger, securityEvent.Type, securityEvent.UserId, securityEvent.TenantId, securityEvent.ClientId, securityEvent.Outcome, details);
        }
        else
        {
            LogFailure(_logger, securityEvent.Type, securityEvent.UserId, securityEvent.TenantId, securityEvent.ClientId, securityEvent.Outcome, details);
        }
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 9000, Level = LogLevel.Information,
        Message = "Security event {SecurityEventType} user={UserId} tenant={TenantId} client={ClientId} outcome={Outcome} {Details}")]
    private static partial void LogSuccess(ILogger logger, string securityEventType, string? userId, string? tenantId, string? clientId, string outcome, string details);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning,
        Message = "Security event {SecurityEventType} user={UserId} tenant={TenantId} client={ClientId} outcome={Outcome} {Details}")]
    private static partial void LogFailure(ILogger logger, string securityEventType, string? userId, string? tenantId, string? clientId, string outcome, string details);
}
