using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using SaaSReference.Contracts.Records;
using SaaSReference.Database.TenantData.Records;

namespace SaaSReference.Database.TenantData.Export;

/// <summary>
/// 13.2.2e, 8.1.5b: the tenant export archive, a documented and versioned format (docs/export-format.md) another provider
/// can read with any ZIP library and JSON parser. One ZIP file: <c>collections.jsonl</c>, per collection
/// <c>records/{collection}.jsonl</c> and <c>files/{collection}.jsonl</c>, each file's content at
/// <c>files/{collection}/{id}</c>, and <c>manifest.json</c> (written last: it lists every other entry with its size and
/// SHA-256). The evidence archive (16.1.7a/b, 18.1.3b) is the same data part plus <c>audit/</c>, under a format name of
/// its own so that it is never taken for an export.
/// </summary>
public static class TenantArchiveFormat
{
    /// <summary>The format name of an export (what the import accepts).</summary>
    public const string ExportFormat = "saasreference-tenant-export";

    /// <summary>The format name of an evidence archive (an export plus the tenant's audit records); never imported.</summary>
    public const string EvidenceFormat = "saasreference-tenant-evidence";

    /// <summary>The one version this build writes and reads.</summary>
    public const int Version = 1;

    public const string MediaType = "application/zip";
    public const string ManifestPath = "manifest.json";
    public const string CollectionsPath = "collections.jsonl";
    public const string AuditEventsPath = "audit/events.jsonl";
    public const string AuditCheckpointsPath = "audit/checkpoints.jsonl";
    public const string AuditKeysPath = "audit/keys.json";

    /// <summary>The signature scheme of the audit checkpoints, as the evidence's keys entry names it.</summary>
    public const string CheckpointSignature = "ECDSA P-256 with SHA-256, IEEE P1363 signature (r || s, 64 bytes)";

    public static string RecordsPath(string collection) => $"records/{collection}.jsonl";

    public static string FileIndexPath(string collection) => $"files/{collection}.jsonl";

    public static string FileContentPath(string collection, string fileId) => $"files/{collection}/{fileId}";

    /// <summary>
    /// Whether an entry name is one the format can have at all: relative, '/'-separated, no empty, '.' or '..' segment, no
    /// backslash, drive, control or non-ASCII character. Checked on every entry of an archive before anything else:
    /// nothing is ever extracted to a path, but an archive naming such a path is refused as hostile.
    /// </summary>
    public static bool IsSafePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 512 || path[0] == '/' || path[^1] == '/')
        {
            return false;
        }
        foreach (var c in path)
        {
            if (c is < (char)0x21 or > (char)0x7e or '\\' or ':')
            {
                return false;
            }
        }
        return path.Split('/').All(segment => segment is not ("" or "." or ".."));
    }

    /// <summary>What an entry path of the data part stands for; null for a path the data part never has.</summary>
    public static ArchivePath? Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == CollectionsPath)
        {
            return new ArchivePath(ArchivePathKind.Collections, null, null);
        }
        var parts = path.Split('/');
        return parts switch
        {
            ["records", var file] when file.EndsWith(".jsonl", StringComparison.Ordinal) && RecordNames.IsValid(file[..^6]) =>
                new ArchivePath(ArchivePathKind.Records, file[..^6], null),
            ["files", var file] when file.EndsWith(".jsonl", StringComparison.Ordinal) && RecordNames.IsValid(file[..^6]) =>
                new ArchivePath(ArchivePathKind.FileIndex, file[..^6], null),
            ["files", var collection, var id] when RecordNames.IsValid(collection) && TenantFileStore.IsValidId(id) =>
                new ArchivePath(ArchivePathKind.FileContent, collection, id),
            _ => null,
        };
    }

    /// <summary>How the manifest is written: indented, camelCase, nulls left out.</summary>
    public static JsonSerializerOptions ManifestWriteOptions { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// How an archive's JSON is read: exactly the members of version 1 (unknown, duplicate or missing members refused),
    /// numbers as numbers, names case-sensitive.
    /// </summary>
    public static JsonSerializerOptions ReadOptions { get; } = new(JsonSerializerDefaults.General)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowDuplicateProperties = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The JSON Lines writer settings: one line per item, no indentation; non-ASCII text kept as UTF-8.</summary>
    internal static JsonWriterOptions LineWriterOptions { get; } = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

public enum ArchivePathKind
{
    Collections,
    Records,
    FileIndex,
    FileContent,
}

/// <summary>A parsed entry path of the data part: its kind, and the collection (and file id) it belongs to.</summary>
public sealed record ArchivePath(ArchivePathKind Kind, string? Collection, string? FileId);

/// <summary>
/// <c>manifest.json</c>: what the archive is (format, version), whose data (tenant, region), when and by whom it was made,
/// the counts, and every other entry with its size and SHA-256. Nothing secret: no key material, schema name, upload id,
/// key version or connection detail.
/// </summary>
public sealed record TenantArchiveManifest(
    string Format,
    int FormatVersion,
    string Tenant,
    string Region,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    TenantArchiveCounts Counts,
    IReadOnlyList<TenantArchiveEntry> Entries,
    string? Reference = null,
    TenantEvidenceAuditSummary? Audit = null);

/// <summary>How much the archive holds; <see cref="RecordBytes"/> and <see cref="FileBytes"/> are what the tenant's storage quota counts.</summary>
public sealed record TenantArchiveCounts(int Collections, long Records, long Files, long RecordBytes, long FileBytes);

/// <summary>One entry of the archive: its path, its size in bytes (uncompressed) and the SHA-256 of its bytes (lower-case hex).</summary>
public sealed record TenantArchiveEntry(string Path, long Size, string Sha256);

/// <summary>A line of <c>collections.jsonl</c>.</summary>
public sealed record CollectionLine(string Name, string Classification, string Description, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>
/// A line of <c>files/{collection}.jsonl</c>: a file's description; <see cref="Path"/> is the entry holding its content,
/// <see cref="Size"/> and <see cref="Sha256"/> those of the content.
/// </summary>
public sealed record FileLine(
    string Id,
    string Classification,
    string ContentType,
    long Size,
    string Sha256,
    string? FileName,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    string Path);

/// <summary>
/// A line of <c>records/{collection}.jsonl</c>. <see cref="Data"/> is the record's JSON object exactly as stored (its text is
/// copied, not re-encoded).
/// </summary>
public sealed record RecordLine(
    string Id,
    string Classification,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    JsonElement Data);

/// <summary>
/// The evidence archive's audit part (16.1.7b, 18.1.3b): the tenant's chain, how far it was exported, and what checking it
/// found when it was exported (the same checks as the platform's verify: sequence, links, hashes, signed checkpoints).
/// </summary>
public sealed record TenantEvidenceAuditSummary(
    string Chain,
    long Records,
    long LastSeq,
    string? HeadHash,
    int Checkpoints,
    int CheckpointsVerified,
    int CheckpointsWithUnknownKey,
    bool Intact,
    long? FirstBadSeq,
    string? Problem);
