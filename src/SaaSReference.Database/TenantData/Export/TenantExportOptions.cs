namespace SaaSReference.Database.TenantData.Export;

/// <summary>
/// Configuration section <c>TenantExport</c>: the bounds an import archive must keep (docs/export-format.md). Everything
/// over a bound is refused before anything is stored.
/// </summary>
public sealed class TenantExportOptions
{
    public const string Section = "TenantExport";

    /// <summary>The largest archive accepted, in bytes as sent (the gateway's upload limit is 256 MiB).</summary>
    public long MaxArchiveBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The largest sum of the entries' uncompressed sizes (the manifest's sizes, held while reading).</summary>
    public long MaxTotalBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>The most entries an archive may have, the manifest included.</summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>The most records an archive may hold in all.</summary>
    public long MaxRecords { get; set; } = 1_000_000;

    /// <summary>The largest <c>manifest.json</c>.</summary>
    public int MaxManifestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Where an archive being imported is spooled while it is checked (null: the system's temporary directory). The
    /// file is the tenant's data in clear: put it on local, encrypted, non-shared storage. It is deleted in every case.
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>What is wrong with this configuration, or an empty list.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxArchiveBytes < 1024)
        {
            problems.Add($"{Section}:MaxArchiveBytes must be at least 1024.");
        }
        if (MaxTotalBytes < 1024)
        {
            problems.Add($"{Section}:MaxTotalBytes must be at least 1024.");
        }
        if (MaxEntries < 4)
        {
            problems.Add($"{Section}:MaxEntries must be at least 4.");
        }
        if (MaxRecords < 0)
        {
            problems.Add($"{Section}:MaxRecords cannot be negative.");
        }
        if (MaxManifestBytes < 1024)
        {
            problems.Add($"{Section}:MaxManifestBytes must be at least 1024.");
        }
        return problems;
    }
}

/// <summary>The per-item limits of the platform an import must keep, the same as the records and files APIs apply.</summary>
/// <param name="MaxRecordBytes">The largest record's JSON (UTF-8 bytes).</param>
/// <param name="MaxFileBytes">The largest file.</param>
public sealed record TenantImportLimits(long MaxRecordBytes, long MaxFileBytes);

/// <summary>Why an archive is refused (each is a problem type of the import API).</summary>
public enum TenantArchiveProblem
{
    /// <summary>Not a ZIP archive, or a corrupt one.</summary>
    NotAnArchive,
    /// <summary>An entry name that is absolute, climbs out ('..'), or is otherwise not a plain relative path.</summary>
    UnsafePath,
    /// <summary>No readable manifest, or a format name or version this build does not read.</summary>
    UnknownFormat,
    /// <summary>An entry's size or SHA-256 is not the manifest's, or the manifest's counts are not what the archive holds.</summary>
    ChecksumMismatch,
    /// <summary>An entry the manifest or the format requires is not in the archive.</summary>
    MissingEntry,
    /// <summary>An entry neither the manifest nor the format has (or one named twice).</summary>
    UnexpectedEntry,
    /// <summary>An entry's content breaks the format or the platform's rules (ids, classifications, JSON, limits).</summary>
    InvalidContent,
    /// <summary>Over a configured bound (archive size, total size, entries, records, a record or a file).</summary>
    TooLarge,
}

/// <summary>The archive is refused; nothing was stored.</summary>
public sealed class TenantArchiveInvalidException(TenantArchiveProblem problem, string message) : Exception(message)
{
    public TenantArchiveProblem Problem { get; } = problem;
}
