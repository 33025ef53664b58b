using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData.Records;

namespace SaaSReference.Database.TenantData.Export;

/// <summary>
/// An import archive that passed every check of <see cref="TenantArchiveValidator"/>: its manifest, its collections, and
/// the means to read its entries again (each still held to the manifest's size and SHA-256).
/// </summary>
public sealed class TenantImportArchive : IAsyncDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly Dictionary<string, TenantArchiveEntry> _listed;

    internal TenantImportArchive(ZipArchive zip, Dictionary<string, ZipArchiveEntry> entries, Dictionary<string, TenantArchiveEntry> listed,
        TenantArchiveManifest manifest, IReadOnlyList<CollectionLine> collections, string manifestSha256, TenantImportLimits limits)
    {
        _zip = zip;
        _entries = entries;
        _listed = listed;
        Manifest = manifest;
        Collections = collections;
        ManifestSha256 = manifestSha256;
        Limits = limits;
    }

    public TenantArchiveManifest Manifest { get; }

    public IReadOnlyList<CollectionLine> Collections { get; }

    /// <summary>The SHA-256 of the archive's manifest (which holds every other entry's), for the audit trail.</summary>
    public string ManifestSha256 { get; }

    /// <summary>What storing the archive adds to the tenant's stored bytes (12.1.3b): its records' JSON and its files.</summary>
    public long StoredBytes => Manifest.Counts.RecordBytes + Manifest.Counts.FileBytes;

    internal TenantImportLimits Limits { get; }

    /// <summary>An entry's content, refused past its manifest size; call <see cref="VerifyingReadStream.VerifyAsync"/> at its end.</summary>
    internal async Task<VerifyingReadStream> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var listed = _listed.TryGetValue(path, out var found) ? found
            : throw new TenantArchiveInvalidException(TenantArchiveProblem.MissingEntry, $"The manifest does not list '{path}'.");
        try
        {
            return new VerifyingReadStream(await _entries[path].OpenAsync(cancellationToken), listed);
        }
        catch (InvalidDataException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.NotAnArchive, $"Entry '{path}' is corrupt: it cannot be read.");
        }
    }

    internal static int LineLimit(TenantImportLimits limits) => (int)Math.Min(int.MaxValue - 2, limits.MaxRecordBytes + 64 * 1024);

    public ValueTask DisposeAsync() => _zip.DisposeAsync();
}
