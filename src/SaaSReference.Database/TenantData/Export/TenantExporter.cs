using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData.Records;

namespace SaaSReference.Database.TenantData.Export;

/// <summary>Who makes an archive and when; <see cref="Reference"/> is the request it answers (an evidence archive's case number).</summary>
public sealed record TenantArchiveRequest(string CreatedBy, DateTimeOffset CreatedAt, string? Reference = null);

/// <summary>What was written: the counts, the SHA-256 of the manifest (recorded in the audit trail), and the audit part's summary.</summary>
public sealed record TenantArchiveSummary(TenantArchiveCounts Counts, int Entries, string ManifestSha256, TenantEvidenceAuditSummary? Audit);

/// <summary>
/// Writes a tenant's archives (docs/export-format.md): the export (8.1.5a/b, 13.2.2e) and the evidence archive
/// (16.1.7a/b, 18.1.3b). Everything is read from the tenant's own schema through the stores (decrypted with its key) and
/// from its own audit chain, and streamed: records page by page, files chunk by chunk, never the whole archive in memory.
/// Each record and file is exported as one consistent version; the archive as a whole is not a point-in-time snapshot of
/// a tenant that keeps writing. A file replaced or deleted while it is read fails the archive (the stream is cut, there
/// is no manifest), never a short file.
/// </summary>
public sealed class TenantExporter(
    TenantCollectionStore collections,
    TenantRecordStore records,
    TenantFileStore files,
    TenantEvidenceAuditWriter evidence,
    IOptions<TenantExportOptions> options)
{
    private const int PageSize = 200;

    /// <summary>Streams the export of <paramref name="location"/>'s tenant to <paramref name="destination"/>.</summary>
    public Task<TenantArchiveSummary> ExportAsync(TenantStorageLocation location, TenantArchiveRequest request, Stream destination,
        CancellationToken cancellationToken = default) =>
        WriteAsync(location, request, destination, evidenceArchive: false, cancellationToken);

    /// <summary>Streams the evidence archive: the export's content and the tenant's audit chain with what checks it.</summary>
    public Task<TenantArchiveSummary> EvidenceAsync(TenantStorageLocation location, TenantArchiveRequest request, Stream destination,
        CancellationToken cancellationToken = default) =>
        WriteAsync(location, request, destination, evidenceArchive: true, cancellationToken);

    private async Task<TenantArchiveSummary> WriteAsync(TenantStorageLocation location, TenantArchiveRequest request, Stream destination,
        bool evidenceArchive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(destination);
        var all = await collections.ListAsync(location, cancellationToken);
        long recordCount = 0, fileCount = 0, recordBytes = 0, fileBytes = 0;
        await using var archive = await ArchiveBuilder.CreateAsync(destination, request.CreatedAt, cancellationToken);

        await archive.WriteEntryAsync(TenantArchiveFormat.CollectionsPath, async (stream, token) =>
        {
            using var lines = new JsonLinesWriter(stream);
            foreach (var collection in all)
            {
                await lines.LineAsync(writer => WriteCollection(writer, collection), token);
            }
            await lines.FlushAsync(token);
        }, cancellationToken);

        foreach (var collection in all)
        {
            await archive.WriteEntryAsync(TenantArchiveFormat.RecordsPath(collection.Name), async (stream, token) =>
            {
                using var lines = new JsonLinesWriter(stream);
                string? after = null;
                do
                {
                    var page = await records.ListAsync(location, collection.Name, after, PageSize, null, token);
                    foreach (var record in page.Items)
                    {
                        var json = ForOneLine(record.Json);
                        recordBytes += Encoding.UTF8.GetByteCount(json);
                        recordCount++;
                        await lines.LineAsync(writer => WriteRecord(writer, record, json), token);
                    }
                    after = page.NextAfter;
                }
                while (after is not null);
                await lines.FlushAsync(token);
            }, cancellationToken);

            var firstPage = await files.ListAsync(location, collection.Name, null, PageSize, cancellationToken);
            if (firstPage.Items.Count == 0)
            {
                await archive.WriteEntryAsync(TenantArchiveFormat.FileIndexPath(collection.Name), (_, _) => Task.CompletedTask, cancellationToken);
                continue;
            }
            // Contents first, each followed by its description in a spool: the description is the very version whose bytes
            // were written, and no list of the collection's files is ever held in memory.
            var spoolPath = Path.Combine(SpoolDirectory(options.Value), $"saasref-export-{Guid.NewGuid():N}.jsonl");
            var spool = OpenSpool(spoolPath);
            try
            {
                using (var descriptions = new JsonLinesWriter(spool))
                {
                    var page = firstPage;
                    while (true)
                    {
                        foreach (var file in page.Items)
                        {
                            var path = TenantArchiveFormat.FileContentPath(collection.Name, file.Id);
                            await archive.WriteEntryAsync(path, async (stream, token) =>
                            {
                                await foreach (var chunk in files.ReadContentAsync(location, file, token))
                                {
                                    await stream.WriteAsync(chunk, token);
                                }
                            }, cancellationToken);
                            fileCount++;
                            fileBytes += file.SizeBytes;
                            await descriptions.LineAsync(writer => WriteFile(writer, file, path), cancellationToken);
                        }
                        if (page.NextAfter is not { } after)
                        {
                            break;
                        }
                        page = await files.ListAsync(location, collection.Name, after, PageSize, cancellationToken);
                    }
                    await descriptions.FlushAsync(cancellationToken);
                }
                spool.Position = 0;
                await archive.WriteEntryAsync(TenantArchiveFormat.FileIndexPath(collection.Name), (stream, token) => spool.CopyToAsync(stream, token),
                    cancellationToken);
            }
            finally
            {
                await spool.DisposeAsync();
                File.Delete(spoolPath);
            }
        }

        TenantEvidenceAuditSummary? audit = null;
        if (evidenceArchive)
        {
            audit = await evidence.WriteAsync(archive, location.TenantId, cancellationToken);
        }
        var counts = new TenantArchiveCounts(all.Count, recordCount, fileCount, recordBytes, fileBytes);
        var manifest = new TenantArchiveManifest(evidenceArchive ? TenantArchiveFormat.EvidenceFormat : TenantArchiveFormat.ExportFormat,
            TenantArchiveFormat.Version, location.TenantId, location.Region, request.CreatedAt, request.CreatedBy, counts, [.. archive.Entries],
            request.Reference, audit);
        var manifestSha256 = await archive.WriteManifestAsync(manifest, cancellationToken);
        await archive.CompleteAsync(cancellationToken);
        return new TenantArchiveSummary(counts, archive.Entries.Count + 1, manifestSha256, audit);
    }

    /// <summary>The configured spool directory, or the system's temporary directory.</summary>
    public static string SpoolDirectory(TenantExportOptions options) =>
        string.IsNullOrWhiteSpace(options.SpoolDirectory) ? Path.GetTempPath() : options.SpoolDirectory;

    /// <summary>A spool only this process can read (0600), deleted on close.</summary>
    public static FileStream OpenSpool(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new FileStream(path, options);
    }

    /// <summary>
    /// The record's JSON for a line of its own: as stored, unless it has line breaks (whitespace between tokens; inside
    /// strings JSON escapes them), which are taken out by writing the same value compactly.
    /// </summary>
    private static string ForOneLine(string json)
    {
        if (json.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            return json;
        }
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, TenantArchiveFormat.LineWriterOptions))
        {
            document.RootElement.WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteCollection(Utf8JsonWriter writer, TenantCollection collection)
    {
        writer.WriteStartObject();
        writer.WriteString("name", collection.Name);
        writer.WriteString("classification", collection.Classification);
        writer.WriteString("description", collection.Description);
        writer.WriteString("createdAt", collection.CreatedAt);
        writer.WriteString("createdBy", collection.CreatedBy);
        writer.WriteEndObject();
    }

    private static void WriteRecord(Utf8JsonWriter writer, StoredRecord record, string json)
    {
        writer.WriteStartObject();
        writer.WriteString("id", record.Id);
        writer.WriteString("classification", record.Classification);
        writer.WriteNumber("version", record.Version);
        writer.WriteString("createdAt", record.CreatedAt);
        writer.WriteString("updatedAt", record.UpdatedAt);
        writer.WriteString("updatedBy", record.UpdatedBy);
        writer.WritePropertyName("data");
        // The stored text itself: the importer stores exactly these bytes again (8.1.5b).
        writer.WriteRawValue(json);
        writer.WriteEndObject();
    }

    private static void WriteFile(Utf8JsonWriter writer, StoredFile file, string path)
    {
        writer.WriteStartObject();
        writer.WriteString("id", file.Id);
        writer.WriteString("classification", file.Classification);
        writer.WriteString("contentType", file.ContentType);
        writer.WriteNumber("size", file.SizeBytes);
        writer.WriteString("sha256", file.Sha256);
        if (file.FileName is null)
        {
            writer.WriteNull("fileName");
        }
        else
        {
            writer.WriteString("fileName", file.FileName);
        }
        writer.WriteNumber("version", file.Version);
        writer.WriteString("createdAt", file.CreatedAt);
        writer.WriteString("updatedAt", file.UpdatedAt);
        writer.WriteString("updatedBy", file.UpdatedBy);
        writer.WriteString("path", path);
        writer.WriteEndObject();
    }
}
