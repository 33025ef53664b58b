using System.Text.Json;

namespace SaaSReference.Database.Audit;

/// <summary>
/// A stored audit record as JSON properties, every hashed field exactly as the hash covers it (docs/audit.md: <c>at</c>
/// in microseconds, UTC; fields in ordinal key order), the same in a signed export and in an evidence package.
/// </summary>
public static class AuditRecordJson
{
    public static void WriteProperties(Utf8JsonWriter json, AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(record);
        json.WriteString("chain", record.Chain);
        json.WriteNumber("seq", record.Seq);
        json.WriteString("at", Export.AuditExportFormat.Time(record.At));
        json.WriteString("type", record.Type);
        json.WriteString("severity", record.Severity);
        json.WriteString("actor", record.Actor);
        json.WriteString("tenantId", record.TenantId);
        json.WriteString("target", record.Target);
        json.WriteString("outcome", record.Outcome);
        json.WriteStartObject("fields");
        foreach (var (key, value) in record.Fields.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }
        json.WriteEndObject();
        json.WriteString("prevHash", Convert.ToHexStringLower(record.PrevHash));
        json.WriteString("hash", Convert.ToHexStringLower(record.Hash));
    }
}
