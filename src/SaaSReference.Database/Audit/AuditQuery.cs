using System.Globalization;
using System.Text;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Database.Audit;

/// <summary>A validated page request over the audit trail (newest first, keyset paging).</summary>
public sealed record AuditQuery(string? TenantId, string? Type, string? Actor, DateTimeOffset From, DateTimeOffset To, int Limit, AuditCursor? After);

/// <summary>Where the previous page ended: (at, chain, seq) of its last record.</summary>
public sealed record AuditCursor(DateTimeOffset At, string Chain, long Seq)
{
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{At.UtcTicks}|{Chain}|{Seq}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static AuditCursor? TryDecode(string text)
    {
        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split('|');
            return parts.Length == 3
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && AuditChains.IsValid(parts[1])
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq >= 1
                ? new AuditCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1], seq)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>
/// Turns query-string parameters into an <see cref="AuditQuery"/>, or into errors per parameter for a problem
/// details answer. Bounded so that one query cannot scan the whole trail.
/// </summary>
public static class AuditQueryParser
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);
    private static readonly string[] Known = ["tenant", "type", "actor", "from", "to", "limit", "cursor"];

    /// <param name="parameters">The query string.</param>
    /// <param name="routeTenant">The tenant of a tenant's route: fixed, and the parameter <c>tenant</c> is refused.</param>
    /// <param name="now">The current time (the default end of the range).</param>
    public static (AuditQuery? Query, Dictionary<string, string[]> Errors) Parse(
        IEnumerable<KeyValuePair<string, string?>> parameters, string? routeTenant, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (!Known.Contains(key, StringComparer.Ordinal) || (routeTenant is not null && key == "tenant"))
            {
                errors[key] = [$"Unknown filter '{key}'. Known: {string.Join(", ", Known.Where(k => routeTenant is null || k != "tenant"))}."];
            }
            else if (!values.TryAdd(key, value ?? ""))
            {
                errors[key] = ["Give this parameter once."];
            }
        }

        var tenant = routeTenant ?? values.GetValueOrDefault("tenant");
        if (tenant is not null && !TenantId.IsValid(tenant))
        {
            errors["tenant"] = ["Not a tenant id."];
        }
        var type = values.GetValueOrDefault("type");
        if (type is not null && AuditEventTypes.Find(type) is null)
        {
            errors["type"] = ["Not an event type of the catalogue (docs/audit-events.md)."];
        }
        var actor = values.GetValueOrDefault("actor");
        if (actor is not null && (actor.Length is 0 or > 200))
        {
            errors["actor"] = ["1 to 200 characters."];
        }
        var to = Time(values, "to", errors) ?? now;
        var from = Time(values, "from", errors) ?? to - MaxRange;
        if (from >= to)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }
        else if (to - from > MaxRange)
        {
            errors["to"] = [$"The range may span at most {MaxRange.TotalDays:0} days."];
        }
        var limit = DefaultLimit;
        if (values.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"A whole number from 1 to {MaxLimit}."];
        }
        AuditCursor? cursor = null;
        if (values.TryGetValue("cursor", out var cursorText) && (cursor = AuditCursor.TryDecode(cursorText)) is null)
        {
            errors["cursor"] = ["Not a cursor this API returned."];
        }
        return errors.Count > 0 ? (null, errors) : (new AuditQuery(tenant, type, actor, from, to, limit, cursor), errors);
    }

    internal static DateTimeOffset? Time(Dictionary<string, string> values, string key, Dictionary<string, string[]> errors)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) && text.Contains('T', StringComparison.Ordinal))
        {
            return value.ToUniversalTime();
        }
        errors[key] = ["An ISO 8601 date and time, e.g. 2026-01-31T00:00:00Z."];
        return null;
    }
}
