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
/// Checks an import archive completely before anything is stored (8.1.5b, docs/export-format.md): a ZIP whose every entry
/// name is a plain relative path; a manifest of a known format and version; exactly the entries the manifest lists and the
/// format requires (no more, none missing, none twice), each with the listed size and SHA-256; collections, records and
/// file descriptions that keep the platform's rules; counts that add up; all within the configured bounds.
/// </summary>
public sealed partial class TenantArchiveValidator(IOptions<TenantExportOptions> options)
{
    private const int SmallLineLimit = 64 * 1024;
    private const int MaxDescriptionLength = 500;
    private const int MaxFileNameLength = 255;
    private const int MaxActorLength = 200;

    /// <summary>Opens and checks the archive in <paramref name="archive"/> (seekable, kept open); throws <see cref="TenantArchiveInvalidException"/>.</summary>
    public async Task<TenantImportArchive> OpenAsync(Stream archive, TenantImportLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(limits);
        var bounds = options.Value;
        if (archive.Length > bounds.MaxArchiveBytes)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"The archive is larger than {bounds.MaxArchiveBytes} bytes.");
        }
        ZipArchive zip;
        try
        {
            zip = await ZipArchive.CreateAsync(archive, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.NotAnArchive, "The body is not a ZIP archive (or a corrupt one).");
        }
        try
        {
            var result = await CheckAsync(zip, limits, bounds, cancellationToken);
            return result;
        }
        catch
        {
            await zip.DisposeAsync();
            throw;
        }
    }

    private static async Task<TenantImportArchive> CheckAsync(ZipArchive zip, TenantImportLimits limits, TenantExportOptions bounds, CancellationToken cancellationToken)
    {
        IReadOnlyCollection<ZipArchiveEntry> all;
        try
        {
            all = zip.Entries;
        }
        catch (InvalidDataException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.NotAnArchive, "The archive's directory is corrupt.");
        }
        if (all.Count > bounds.MaxEntries)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"The archive has more than {bounds.MaxEntries} entries.");
        }
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in all)
        {
            if (!TenantArchiveFormat.IsSafePath(entry.FullName))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnsafePath,
                    $"Entry '{Shown(entry.FullName)}' is not a plain relative path (absolute, '..', '.', backslash, drive or unusual characters).");
            }
            if (!entries.TryAdd(entry.FullName, entry))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnexpectedEntry, $"Entry '{entry.FullName}' is in the archive twice.");
            }
        }

        var (manifest, manifestSha256) = await ReadManifestAsync(entries, bounds, cancellationToken);
        var listed = CheckListing(manifest, entries, bounds);
        // Every entry against the manifest first (size and SHA-256), so that an altered entry is reported as such, before its
        // content is read for what it says.
        foreach (var item in listed.Values)
        {
            await using var content = await Open(entries, item, cancellationToken);
            await content.VerifyAsync(cancellationToken);
        }
        var collections = await ReadCollectionsAsync(entries, listed, cancellationToken);
        var names = collections.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var collection in collections)
        {
            Require(listed, TenantArchiveFormat.RecordsPath(collection.Name));
            Require(listed, TenantArchiveFormat.FileIndexPath(collection.Name));
        }
        foreach (var path in listed.Keys)
        {
            var parsed = TenantArchiveFormat.Parse(path)!;
            if (parsed.Collection is { } owner && !names.ContainsKey(owner))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnexpectedEntry, $"Entry '{path}' belongs to no collection of collections.jsonl.");
            }
        }

        var archive = new TenantImportArchive(zip, entries, listed, manifest, collections, manifestSha256, limits);
        long records = 0, recordBytes = 0, files = 0, fileBytes = 0;
        var described = new HashSet<string>(StringComparer.Ordinal);
        foreach (var collection in collections)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var record in ReadRecordsAsync(archive, collection, cancellationToken))
            {
                if (!ids.Add(record.Id))
                {
                    throw Invalid(TenantArchiveFormat.RecordsPath(collection.Name), $"record '{record.Id}' is there twice");
                }
                records++;
                recordBytes += Encoding.UTF8.GetByteCount(record.Data.GetRawText());
                if (records > bounds.MaxRecords)
                {
                    throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"The archive holds more than {bounds.MaxRecords} records.");
                }
            }
            ids.Clear();
            await foreach (var file in ReadFilesAsync(archive, collection, cancellationToken))
            {
                if (!ids.Add(file.Id))
                {
                    throw Invalid(TenantArchiveFormat.FileIndexPath(collection.Name), $"file '{file.Id}' is described twice");
                }
                var content = listed.TryGetValue(file.Path, out var found) ? found
                    : throw new TenantArchiveInvalidException(TenantArchiveProblem.MissingEntry, $"The content of file '{file.Path}' is not in the manifest.");
                if (content.Size != file.Size || content.Sha256 != file.Sha256)
                {
                    throw new TenantArchiveInvalidException(TenantArchiveProblem.ChecksumMismatch,
                        $"File '{file.Path}' is described with another size or SHA-256 than the manifest lists for its content.");
                }
                described.Add(file.Path);
                files++;
                fileBytes += file.Size;
            }
        }
        foreach (var path in listed.Keys)
        {
            if (TenantArchiveFormat.Parse(path)!.Kind == ArchivePathKind.FileContent && !described.Contains(path))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnexpectedEntry, $"Entry '{path}' is the content of no described file.");
            }
        }
        var actual = new TenantArchiveCounts(collections.Count, records, files, recordBytes, fileBytes);
        if (actual != manifest.Counts)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.ChecksumMismatch,
                $"The manifest's counts are not what the archive holds ({collections.Count} collections, {records} records of {recordBytes} bytes, {files} files of {fileBytes} bytes).");
        }
        return archive;
    }

    private static async Task<(TenantArchiveManifest Manifest, string Sha256)> ReadManifestAsync(Dictionary<string, ZipArchiveEntry> entries,
        TenantExportOptions bounds, CancellationToken cancellationToken)
    {
        if (!entries.TryGetValue(TenantArchiveFormat.ManifestPath, out var entry))
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.UnknownFormat, "The archive has no manifest.json: it is not a tenant export.");
        }
        if (entry.Length > bounds.MaxManifestBytes)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"manifest.json is larger than {bounds.MaxManifestBytes} bytes.");
        }
        byte[] bytes;
        try
        {
            await using var stream = await entry.OpenAsync(cancellationToken);
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > bounds.MaxManifestBytes)
                {
                    throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"manifest.json is larger than {bounds.MaxManifestBytes} bytes.");
                }
            }
            bytes = buffer.ToArray();
        }
        catch (InvalidDataException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.NotAnArchive, "manifest.json is corrupt: it cannot be decompressed.");
        }

        // Format and version first, so that a newer archive is told apart from a broken one.
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var format = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format == TenantArchiveFormat.EvidenceFormat)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnknownFormat,
                    "This is an evidence archive; only an export (format saasreference-tenant-export) can be imported.");
            }
            if (format != TenantArchiveFormat.ExportFormat)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnknownFormat,
                    $"manifest.json does not name the format {TenantArchiveFormat.ExportFormat}.");
            }
            if (!root.TryGetProperty("formatVersion", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version)
                || version != TenantArchiveFormat.Version)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnknownFormat,
                    $"The archive's format version is not one this platform reads: it reads version {TenantArchiveFormat.Version}.");
            }
        }
        catch (JsonException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.UnknownFormat, "manifest.json is not JSON.");
        }

        TenantArchiveManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<TenantArchiveManifest>(bytes, TenantArchiveFormat.ReadOptions)
                ?? throw new JsonException();
        }
        catch (JsonException exception)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.InvalidContent,
                $"manifest.json is not a version {TenantArchiveFormat.Version} manifest{At(exception)}.");
        }
        if (!TenantId.IsValid(manifest.Tenant) || !TenantStorageOptions.IsValidRegionName(manifest.Region) || manifest.Audit is not null
            || manifest.Reference is not null || string.IsNullOrWhiteSpace(manifest.CreatedBy))
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.InvalidContent,
                "manifest.json does not describe an export: it needs a tenant id, a region, who made it, and no evidence members.");
        }
        return (manifest, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    /// <summary>The manifest's entries by path, checked against the format and against the archive's own entries.</summary>
    private static Dictionary<string, TenantArchiveEntry> CheckListing(TenantArchiveManifest manifest, Dictionary<string, ZipArchiveEntry> entries,
        TenantExportOptions bounds)
    {
        var listed = new Dictionary<string, TenantArchiveEntry>(StringComparer.Ordinal);
        long total = 0;
        foreach (var item in manifest.Entries)
        {
            if (!TenantArchiveFormat.IsSafePath(item.Path))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnsafePath, $"The manifest lists '{Shown(item.Path)}', which is not a plain relative path.");
            }
            if (TenantArchiveFormat.Parse(item.Path) is null)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnexpectedEntry, $"The manifest lists '{item.Path}', which the format does not have.");
            }
            if (item.Size < 0 || item.Sha256.Length != 64 || !item.Sha256.All(char.IsAsciiHexDigitLower))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.InvalidContent, $"The manifest's size or SHA-256 of '{item.Path}' is malformed.");
            }
            if (!listed.TryAdd(item.Path, item))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnexpectedEntry, $"The manifest lists '{item.Path}' twice.");
            }
            total += item.Size;
            if (total > bounds.MaxTotalBytes)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"The archive's entries add up to more than {bounds.MaxTotalBytes} bytes.");
            }
            if (!entries.TryGetValue(item.Path, out var entry))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.MissingEntry, $"Entry '{item.Path}' is listed in the manifest but not in the archive.");
            }
            if (entry.Length != item.Size)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.ChecksumMismatch, $"Entry '{item.Path}' does not have the size the manifest gives for it.");
            }
        }
        foreach (var path in entries.Keys)
        {
            if (path != TenantArchiveFormat.ManifestPath && !listed.ContainsKey(path))
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.UnexpectedEntry, $"Entry '{path}' is not listed in the manifest.");
            }
        }
        Require(listed, TenantArchiveFormat.CollectionsPath);
        return listed;
    }

    private static async Task<IReadOnlyList<CollectionLine>> ReadCollectionsAsync(Dictionary<string, ZipArchiveEntry> entries,
        Dictionary<string, TenantArchiveEntry> listed, CancellationToken cancellationToken)
    {
        var path = TenantArchiveFormat.CollectionsPath;
        var found = new List<CollectionLine>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var stream = await Open(entries, listed[path], cancellationToken);
        await using (stream)
        {
            var lines = new JsonLinesReader(stream, SmallLineLimit, path);
            while (await lines.NextAsync(cancellationToken) is { } line)
            {
                var collection = Parse<CollectionLine>(line, path, lines.LineNumber);
                if (!RecordNames.IsValid(collection.Name))
                {
                    throw Invalid(path, $"line {lines.LineNumber}: a collection name has {RecordNames.Rule}");
                }
                if (!DataClassification.IsValid(collection.Classification))
                {
                    throw Invalid(path, $"collection '{collection.Name}': the classification is one of {string.Join(", ", DataClassification.All)}");
                }
                if (collection.Description.Length > MaxDescriptionLength || collection.Description.Any(char.IsControl))
                {
                    throw Invalid(path, $"collection '{collection.Name}': a description has at most {MaxDescriptionLength} characters, no control characters");
                }
                if (!IsActor(collection.CreatedBy))
                {
                    throw Invalid(path, $"collection '{collection.Name}': createdBy is 1 to {MaxActorLength} characters");
                }
                if (!names.Add(collection.Name))
                {
                    throw Invalid(path, $"collection '{collection.Name}' is there twice");
                }
                if (found.Count >= TenantCollectionStore.MaxCollections)
                {
                    throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge, $"A tenant has at most {TenantCollectionStore.MaxCollections} collections.");
                }
                found.Add(collection);
            }
            await stream.VerifyAsync(cancellationToken);
        }
        return found;
    }

    private static T Parse<T>(ReadOnlyMemory<byte> line, string path, long lineNumber) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(line.Span, TenantArchiveFormat.ReadOptions) ?? throw new JsonException();
        }
        catch (JsonException exception)
        {
            throw Invalid(path, $"line {lineNumber} is not a version {TenantArchiveFormat.Version} line{At(exception)}");
        }
    }

    private static async Task<VerifyingReadStream> Open(Dictionary<string, ZipArchiveEntry> entries, TenantArchiveEntry listed, CancellationToken cancellationToken)
    {
        try
        {
            return new VerifyingReadStream(await entries[listed.Path].OpenAsync(cancellationToken), listed);
        }
        catch (InvalidDataException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.NotAnArchive, $"Entry '{listed.Path}' is corrupt: it cannot be read.");
        }
    }

    private static bool IsActor(string? actor) => actor is { Length: > 0 and <= MaxActorLength } && !actor.Any(char.IsControl);

    private static bool IsContentType(string type) =>
        type.Length is > 2 and <= 255
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var parsed)
        && parsed.MediaType.Value == type && parsed.Parameters.Count == 0 && type.Contains('/', StringComparison.Ordinal)
        && !type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);

    private static void Require(Dictionary<string, TenantArchiveEntry> listed, string path)
    {
        if (!listed.ContainsKey(path))
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.MissingEntry, $"Entry '{path}' is required but not in the archive's manifest.");
        }
    }

    private static TenantArchiveInvalidException Invalid(string path, string why) =>
        new(TenantArchiveProblem.InvalidContent, $"Entry '{path}' breaks the format: {why}.");

    /// <summary>Where in the JSON the reader stopped (a JSON path), never the parser's own message (it names .NET types).</summary>
    private static string At(JsonException exception) =>
        exception.Path is { Length: > 0 } jsonPath ? string.Create(CultureInfo.InvariantCulture, $" (at {jsonPath})") : "";

    /// <summary>An entry name as shown back to the caller: at most 100 characters, control characters replaced.</summary>
    private static string Shown(string name)
    {
        var clipped = name.Length > 100 ? name[..100] + "..." : name;
        return new string([.. clipped.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
