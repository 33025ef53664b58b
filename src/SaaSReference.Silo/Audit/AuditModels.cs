using SaaSReference.Database.Audit;

namespace SaaSReference.Silo.Audit;

/// <summary>An audit record as the API shows it; hashes in lower-case hex, as docs/audit.md describes.</summary>
public sealed record AuditRecordResponse(string Chain, long Seq, DateTimeOffset At, string Type, string Severity, string Actor,
    string? TenantId, string Target, string Outcome, IReadOnlyDictionary<string, string> Fields, string PrevHash, string Hash)
{
    public static AuditRecordResponse From(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Chain, record.Seq, record.At, record.Type, record.Severity, record.Actor, record.TenantId, record.Target,
            record.Outcome, record.Fields, Convert.ToHexStringLower(record.PrevHash), Convert.ToHexStringLower(record.Hash));
    }
}

public sealed record AuditPageResponse(IReadOnlyList<AuditRecordResponse> Records, string? NextCursor);
