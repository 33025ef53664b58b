using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Database.Audit;

/// <summary>Something to record; the store gives it its chain, sequence number and hashes.</summary>
public sealed record AuditEvent
{
    public AuditEvent(AuditEventType type, string actor, string? tenantId, string target, string outcome,
        IReadOnlyDictionary<string, string>? fields = null, DateTimeOffset? at = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(outcome);
        if (tenantId is not null && !Contracts.Tenants.TenantId.IsValid(tenantId))
        {
            throw new ArgumentException($"'{tenantId}' is not a tenant id.", nameof(tenantId));
        }
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in fields ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }
        // 12.4.1a: every record of a type carries that type's fields.
        var missing = type.RequiredFields.Where(field => !values.ContainsKey(field)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"An event {type.Name} needs the fields {string.Join(", ", missing)}.", nameof(fields));
        }
        Type = type;
        Actor = Clip(actor, 200);
        TenantId = tenantId;
        Target = Clip(target ?? "", 500);
        Outcome = Clip(outcome, 50);
        Fields = values;
        // PostgreSQL keeps microseconds: the hash is computed over what will be read back.
        var now = at ?? DateTimeOffset.UtcNow;
        At = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
    }

    public AuditEventType Type { get; }
    public string Actor { get; }
    public string? TenantId { get; }
    public string Target { get; }
    public string Outcome { get; }
    public IReadOnlyDictionary<string, string> Fields { get; }
    public DateTimeOffset At { get; }

    /// <summary>'platform' for platform acts, 'tenant:&lt;id&gt;' for a tenant's (12.4.2b: per end user's tenant).</summary>
    public string Chain => AuditChains.Of(TenantId);

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}

/// <summary>One stored audit record, as read back from <c>platform.audit_events</c>.</summary>
public sealed record AuditRecord(
    string Chain,
    long Seq,
    DateTimeOffset At,
    string Type,
    string Severity,
    string Actor,
    string? TenantId,
    string Target,
    string Outcome,
    IReadOnlyDictionary<string, string> Fields,
    byte[] PrevHash,
    byte[] Hash);

public static class AuditChains
{
    public const string Platform = "platform";
    public const string TenantPrefix = "tenant:";

    public static string Of(string? tenantId) => tenantId is null ? Platform : TenantPrefix + tenantId;

    public static bool IsValid(string? chain) =>
        chain == Platform || (chain is not null && chain.StartsWith(TenantPrefix, StringComparison.Ordinal) && TenantId.IsValid(chain[TenantPrefix.Length..]));
}
