using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData.Records;

namespace SaaSReference.Database.TenantData.Export;

/// <summary>The line readers of <see cref="TenantArchiveValidator"/>: records and files of a checked archive, read as they are stored.</summary>
public sealed partial class TenantArchiveValidator
{
    /// <summary>The records of a collection's entry, each checked; the entry's size and SHA-256 are checked at its end.</summary>
    internal static async IAsyncEnumerable<RecordLine> ReadRecordsAsync(TenantImportArchive archive, CollectionLine collection,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = TenantArchiveFormat.RecordsPath(collection.Name);
        await using var stream = await archive.OpenAsync(path, cancellationToken);
        var lines = new JsonLinesReader(stream, TenantImportArchive.LineLimit(archive.Limits), path);
        while (await lines.NextAsync(cancellationToken) is { } line)
        {
            var record = Parse<RecordLine>(line, path, lines.LineNumber);
            if (!RecordNames.IsValid(record.Id))
            {
                throw Invalid(path, $"line {lines.LineNumber}: a record id has {RecordNames.Rule}");
            }
            if (record.Classification != collection.Classification)
            {
                throw Invalid(path, $"record '{record.Id}' is not labelled with its collection's classification '{collection.Classification}'");
            }
            if (record.Data.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, $"record '{record.Id}': data is a JSON object");
            }
            if (Encoding.UTF8.GetByteCount(record.Data.GetRawText()) > archive.Limits.MaxRecordBytes)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge,
                    $"Record '{collection.Name}/{record.Id}' is larger than the {archive.Limits.MaxRecordBytes} bytes a record may have.");
            }
            if (record.Version < 1 || !IsActor(record.UpdatedBy))
            {
                throw Invalid(path, $"record '{record.Id}': version is at least 1 and updatedBy 1 to {MaxActorLength} characters");
            }
            yield return record;
        }
        await stream.VerifyAsync(cancellationToken);
    }

    /// <summary>The file descriptions of a collection's entry, each checked against the platform's rules.</summary>
    internal static async IAsyncEnumerable<FileLine> ReadFilesAsync(TenantImportArchive archive, CollectionLine collection,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = TenantArchiveFormat.FileIndexPath(collection.Name);
        await using var stream = await archive.OpenAsync(path, cancellationToken);
        var lines = new JsonLinesReader(stream, SmallLineLimit, path);
        while (await lines.NextAsync(cancellationToken) is { } line)
        {
            var file = Parse<FileLine>(line, path, lines.LineNumber);
            if (!TenantFileStore.IsValidId(file.Id))
            {
                throw Invalid(path, $"line {lines.LineNumber}: a file id has {TenantFileStore.IdRule}");
            }
            if (file.Path != TenantArchiveFormat.FileContentPath(collection.Name, file.Id))
            {
                throw Invalid(path, $"file '{file.Id}': its content is at {TenantArchiveFormat.FileContentPath(collection.Name, file.Id)}");
            }
            if (file.Classification != collection.Classification)
            {
                throw Invalid(path, $"file '{file.Id}' is not labelled with its collection's classification '{collection.Classification}'");
            }
            if (!IsContentType(file.ContentType))
            {
                throw Invalid(path, $"file '{file.Id}': contentType is a media type without parameters, not multipart");
            }
            if (file.FileName is { } name && (name.Length is 0 or > MaxFileNameLength || name.Any(char.IsControl)))
            {
                throw Invalid(path, $"file '{file.Id}': a file name has 1 to {MaxFileNameLength} characters, no control characters");
            }
            if (file.Size < 0 || file.Sha256.Length != 64 || !file.Sha256.All(char.IsAsciiHexDigitLower))
            {
                throw Invalid(path, $"file '{file.Id}': size is a byte count and sha256 64 lower-case hex digits");
            }
            if (file.Size > archive.Limits.MaxFileBytes)
            {
                throw new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge,
                    $"File '{collection.Name}/{file.Id}' is larger than the {archive.Limits.MaxFileBytes} bytes a file may have.");
            }
            if (file.Version < 1 || !IsActor(file.UpdatedBy))
            {
                throw Invalid(path, $"file '{file.Id}': version is at least 1 and updatedBy 1 to {MaxActorLength} characters");
            }
            yield return file;
        }
        await stream.VerifyAsync(cancellationToken);
    }
}
