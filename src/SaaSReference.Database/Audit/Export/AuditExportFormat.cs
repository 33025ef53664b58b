using System.Globalization;
using System.Text;

namespace SaaSReference.Database.Audit.Export;

/// <summary>What an export holds: one tenant's chain, or one privileged user's acts across chains (12.4.2b).</summary>
public enum AuditExportScope
{
    Tenant,
    Actor,
}

/// <summary>The first line of an export: what was selected, when and by whom.</summary>
public sealed record AuditExportHeader(AuditExportScope Scope, string Subject, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset ExportedAt,
    string ExportedBy);

/// <summary>
/// 12.4.2b: the signed JSON Lines export of the audit trail (docs/audit.md, "Signed export"). UTF-8, one JSON object
/// per line, each ended by <c>\n</c>: a header, the signed checkpoints of the chains exported, the records, and a
/// trailer that signs the SHA-256 of every byte before it. Checkpoints come before the records so that a verifier
/// checks each record against them as it streams past, without holding the export in memory.
/// </summary>
public static class AuditExportFormat
{
    public const string Format = "saasref-audit-export/1";
    public const string MediaType = "application/jsonl";
    public const string SignatureTag = "saasref-audit-export-v1";

    /// <summary>The longest line a verifier accepts (a record is at most a few kilobytes).</summary>
    public const int MaxLineBytes = 1024 * 1024;

    public static string ScopeText(AuditExportScope scope) => scope switch
    {
        AuditExportScope.Tenant => "tenant",
        AuditExportScope.Actor => "actor",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    public static AuditExportScope? ParseScope(string? text) => text switch
    {
        "tenant" => AuditExportScope.Tenant,
        "actor" => AuditExportScope.Actor,
        _ => null,
    };

    /// <summary>The bytes the trailer's signature covers: tag, SHA-256 of the lines before the trailer (hex), record and checkpoint counts.</summary>
    public static byte[] SignedPayload(ReadOnlySpan<byte> sha256, long records, long checkpoints) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture, $"{SignatureTag}\n{Convert.ToHexStringLower(sha256)}\n{records}\n{checkpoints}"));

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString(AuditHash.TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? text) =>
        text is not null && DateTime.TryParseExact(text, AuditHash.TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc))
            : null;
}
