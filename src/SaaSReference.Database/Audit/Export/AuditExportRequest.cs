using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Database.Audit.Export;

/// <summary>
/// Turns an export's query string into its <see cref="AuditExportHeader"/>, or into errors per parameter for a
/// problem details answer. A tenant's export takes an optional period (default: the whole chain); a privileged
/// user's takes <c>actor</c> and a period of at most <see cref="MaxActorRange"/> (default: the last 31 days).
/// </summary>
public static class AuditExportRequest
{
    public static readonly TimeSpan MaxActorRange = TimeSpan.FromDays(366);
    public static readonly TimeSpan DefaultActorRange = TimeSpan.FromDays(31);

    public static (AuditExportHeader? Header, Dictionary<string, string[]> Errors) Parse(IEnumerable<KeyValuePair<string, string?>> parameters,
        string? routeTenant, string exportedBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        string[] known = routeTenant is null ? ["actor", "from", "to"] : ["from", "to"];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                errors[key] = [$"Unknown parameter '{key}'. Known: {string.Join(", ", known)}."];
            }
            else if (value is null || !values.TryAdd(key, value))
            {
                errors[key] = ["Give this parameter once."];
            }
        }
        if (routeTenant is not null && !TenantId.IsValid(routeTenant))
        {
            errors["tenantId"] = ["Not a tenant id."];
        }
        var from = AuditQueryParser.Time(values, "from", errors);
        var to = AuditQueryParser.Time(values, "to", errors);
        string subject;
        if (routeTenant is not null)
        {
            subject = routeTenant;
            if (from is { } f && to is { } t && f >= t)
            {
                errors["from"] = ["'from' must be before 'to'."];
            }
        }
        else
        {
            subject = values.GetValueOrDefault("actor") ?? "";
            if (subject.Length is 0 or > 200)
            {
                errors["actor"] = ["The privileged user whose acts to export: 1 to 200 characters."];
            }
            to ??= now;
            from ??= to - DefaultActorRange;
            if (from >= to)
            {
                errors["from"] = ["'from' must be before 'to'."];
            }
            else if (to - from > MaxActorRange)
            {
                errors["to"] = [$"The period may span at most {MaxActorRange.TotalDays:0} days."];
            }
        }
        return errors.Count > 0
            ? (null, errors)
            : (new AuditExportHeader(routeTenant is null ? AuditExportScope.Actor : AuditExportScope.Tenant, subject, from, to, now, exportedBy), errors);
    }
}
