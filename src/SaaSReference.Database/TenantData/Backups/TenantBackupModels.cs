using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>
/// The manifest written beside an artifact (<c>{backupId}.manifest.json</c>): what an operator needs to know about a
/// backup without decrypting it. No secret: no key material, no data, no connection string, no absolute path. The
/// catalogue in the platform database, not this file, is what a restore trusts for the SHA-256.
/// </summary>
public sealed record TenantBackupManifest(
    string Format,
    Guid BackupId,
    string TenantId,
    string Region,
    string SchemaName,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    long SizeBytes,
    string Sha256,
    int RegionSchemaVersion,
    int KeyVersion,
    string Cipher,
    int ChunkSizeBytes,
    long DataBytes,
    IReadOnlyList<TenantBackupManifestTable> Tables)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One table of the manifest: its rows at the time of the backup and the columns written for each.</summary>
public sealed record TenantBackupManifestTable(string Name, long Rows, IReadOnlyList<string> Columns);

/// <summary>What a restore did: the rows now in each table, and the tenant's entrusted bytes before and after.</summary>
/// <param name="BackupId">The backup restored.</param>
/// <param name="TenantId">The tenant restored (the backup's own).</param>
/// <param name="Region">The tenant's region, where the backup was taken and restored.</param>
/// <param name="RowCounts">The rows of each table after the restore, those of the backup.</param>
/// <param name="DataBytesBefore">Bytes of records and files the tenant stored just before the restore.</param>
/// <param name="DataBytesAfter">Bytes of records and files the tenant stores now (those of the backup).</param>
/// <param name="FromCopy">Whether the copy at the paired region's site was used (the primary was missing or corrupt).</param>
public sealed record TenantRestoreResult(
    Guid BackupId,
    string TenantId,
    string Region,
    bool FromCopy,
    IReadOnlyDictionary<string, long> RowCounts,
    long DataBytesBefore,
    long DataBytesAfter)
{
    /// <summary>By how much the tenant's stored-bytes usage must change to follow what is stored (12.1.3b).</summary>
    public long DataBytesDelta => DataBytesAfter - DataBytesBefore;
}

/// <summary>Why a backup cannot be restored.</summary>
public enum TenantBackupRefusal
{
    /// <summary>No backup has that id.</summary>
    NotFound,
    /// <summary>The backup is another tenant's.</summary>
    OtherTenant,
    /// <summary>The backup was taken in another region than the tenant's (its data never moves region, 16.1.7e).</summary>
    OtherRegion,
    /// <summary>The backup was never completed.</summary>
    NotCompleted,
    /// <summary>The tenant has no storage now (never provisioned, or terminated).</summary>
    TenantNotStored,
    /// <summary>Neither the artifact nor its copy is there with the catalogued size and SHA-256.</summary>
    NoIntactArtifact,
    /// <summary>The tenant's tables are no longer those of the backup (a region migration changed them).</summary>
    SchemaChanged,
    /// <summary>The restore was not approved by a second person (6.1.2a).</summary>
    NotApproved,
}

/// <summary>A backup that cannot be restored, and why; nothing was changed.</summary>
public sealed class TenantBackupRefusedException(TenantBackupRefusal refusal, string message) : InvalidOperationException(message)
{
    public TenantBackupRefusal Refusal { get; } = refusal;
}

/// <summary>An artifact that is not what was catalogued (altered, truncated, of another backup); nothing was changed.</summary>
public sealed class TenantBackupCorruptException(string message) : IOException(message);

/// <summary>A backup that could not be taken (the region database or the backup site failed); the reason is fit for operators.</summary>
public sealed class TenantBackupFailedException(Guid backupId, string reason, Exception inner) : InvalidOperationException(reason, inner)
{
    public Guid BackupId { get; } = backupId;
}
