using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Audit;

namespace SaaSReference.Identity.Events;

/// <summary>
/// 9.1.2e, 12.4.3a: the identity service's security events go to the audit trail as well as to the log: this sink
/// logs through <see cref="LoggingSecurityEventSink"/> and queues one audit record of the catalogue's matching
/// type (<c>identity.&lt;event&gt;</c>, or <c>identity.other</c>). It never throws for a well-formed event.
/// </summary>
public sealed partial class AuditSecurityEventSink(LoggingSecurityEventSink log, IAuditTrail trail, ILogger<AuditSecurityEventSink> logger)
    : ISecurityEventSink
{
    public async ValueTask RaiseAsync(SecurityEvent securityEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(securityEvent);
        await log.RaiseAsync(securityEvent, cancellationToken);
        try
        {
            await trail.EnqueueAsync(ToAudit(securityEvent), cancellationToken);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            LogNotRecorded(logger, exception, securityEvent.Type);
        }
    }

    public static AuditEvent ToAudit(SecurityEvent securityEvent)
    {
        ArgumentNullException.ThrowIfNull(securityEvent);
        var type = AuditEventTypes.Find("identity." + securityEvent.Type) ?? AuditEventTypes.IdentityOther;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["event"] = securityEvent.Type };
        foreach (var (key, value) in securityEvent.Details ?? new Dictionary<string, string>())
        {
            fields[key] = value;
        }
        if (securityEvent.ClientId is { } client)
        {
            fields["clientId"] = client;
        }
        var tenant = TenantId.IsValid(securityEvent.TenantId) ? securityEvent.TenantId : null;
        var actor = string.IsNullOrWhiteSpace(securityEvent.UserId) ? securityEvent.ClientId ?? "anonymous" : securityEvent.UserId;
        return new AuditEvent(type, actor, tenant, securityEvent.UserId ?? securityEvent.ClientId ?? "", securityEvent.Outcome, fields);
    }

    [LoggerMessage(EventId = 9010, Level = LogLevel.Error, Message = "Security event {SecurityEventType} could not be put in the audit trail")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string securityEventType);
}

public static class AuditSecurityEventSinkExtensions
{
    /// <summary>
    /// The audit writer (without checkpoint signing unless a key is configured: the silos sign) and the composite
    /// sink as <see cref="ISecurityEventSink"/>. Call before the default TryAdd of the logging sink.
    /// </summary>
    public static IServiceCollection AddAuditSecurityEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPlatformAudit(configuration);
        services.PostConfigure<AuditOptions>(options =>
        {
            if (string.IsNullOrEmpty(options.CheckpointSigningKey))
            {
                options.CheckpointInterval = TimeSpan.Zero;
            }
        });
        services.TryAddSingleton<LoggingSecurityEventSink>();
        services.TryAddSingleton<ISecurityEventSink, AuditSecurityEventSink>();
        return services;
    }
}
