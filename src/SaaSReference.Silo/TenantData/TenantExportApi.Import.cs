using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Export;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Database.TenantData.Records;
using SaaSReference.Silo.Audit;
using SaaSReference.Silo.Quotas;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.TenantData;

/// <summary>The import side of <see cref="TenantExportApi"/>: spooling, checking and storing an archive, and its problems.</summary>
public static partial class TenantExportApi
{
    internal static async Task<IResult> ImportAsync(string tenantId, HttpContext http, TenantStorageLocator locator, TenantCollectionStore collections,
        TenantArchiveValidator validator, TenantImporter importer, IGrainFactory grains, IAuditTrail audit, IOptions<TenantExportOptions> options,
        IOptions<TenantFileOptions> fileOptions, IConfiguration configuration, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var request = http.Request;
        var bounds = options.Value;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType.Value, TenantArchiveFormat.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Export archive expected",
                detail: $"Send the export archive itself as the request body with Content-Type: {TenantArchiveFormat.MediaType}. Nothing was stored.");
        }
        if (request.ContentLength is { } declared && declared > bounds.MaxArchiveBytes)
        {
            return ArchiveTooLarge(bounds.MaxArchiveBytes);
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        var actor = AuditActor.Of(http.User);
        if (await collections.CountAsync(location, cancellationToken) > 0)
        {
            return await RefusedAsync(audit, actor, tenantId, "tenant not empty", NotEmpty(tenantId));
        }
        // The server-wide body limit is for JSON; an archive may be larger, up to its own bound (checked while spooling).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = bounds.MaxArchiveBytes + 1;
        }

        // The archive is checked as a whole before anything is stored, so it is spooled first: to a file only this process
        // reads, bounded by MaxArchiveBytes, deleted in every case (on close, and here again).
        var spoolPath = Path.Combine(TenantExporter.SpoolDirectory(bounds), $"saasref-import-{Guid.NewGuid():N}.zip");
        var spool = TenantExporter.OpenSpool(spoolPath);
        TenantImportArchive? archive = null;
        try
        {
            try
            {
                if (!await SpoolAsync(request.Body, spool, bounds.MaxArchiveBytes, cancellationToken))
                {
                    return await RefusedAsync(audit, actor, tenantId, "archive too large", ArchiveTooLarge(bounds.MaxArchiveBytes));
                }
            }
            catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return await RefusedAsync(audit, actor, tenantId, "archive too large", ArchiveTooLarge(bounds.MaxArchiveBytes));
            }
            spool.Position = 0;
            var limits = new TenantImportLimits(configuration.GetValue(RecordsApi.MaxRecordBytesKey, RecordsApi.DefaultMaxRecordBytes), fileOptions.Value.MaxFileBytes);
            try
            {
                archive = await validator.OpenAsync(spool, limits, cancellationToken);
            }
            catch (TenantArchiveInvalidException invalid)
            {
                return await RefusedAsync(audit, actor, tenantId, Kebab(invalid.Problem), ArchiveProblem(invalid));
            }
            return await StoreAsync(tenantId, location, archive, actor, importer, grains, audit, time, cancellationToken);
        }
        finally
        {
            if (archive is not null)
            {
                await archive.DisposeAsync();
            }
            await spool.DisposeAsync();
            File.Delete(spoolPath);
        }
    }

    /// <summary>Reserves the archive's bytes against the quota (12.1.3b), imports, and settles the count with what was stored.</summary>
    private static async Task<IResult> StoreAsync(string tenantId, TenantStorageLocation location, TenantImportArchive archive, string actor,
        TenantImporter importer, IGrainFactory grains, IAuditTrail audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var reserved = archive.StoredBytes;
        if (reserved > 0)
        {
            var reservation = await tenant.ReserveStorageAsync(reserved);
            if (!reservation.Granted)
            {
                return await RefusedAsync(audit, actor, tenantId, "storage quota",
                    TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Storage quota exceeded", type: QuotaProblems.QuotaExceededType,
                        detail: $"The archive holds {reserved} bytes of records and files, more than the tenant's storage quota allows. Nothing was stored."));
            }
        }
        TenantImportResult result;
        try
        {
            result = await importer.ImportAsync(location, archive, actor, time.GetUtcNow(), cancellationToken);
        }
        catch (TenantImportRolledBackException rolledBack)
        {
            await SettleAsync(tenant, -reserved - rolledBack.RemovedOtherBytes);
            var cause = rolledBack.InnerException!;
            if (cause is TenantArchiveInvalidException invalid)
            {
                return await RefusedAsync(audit, actor, tenantId, Kebab(invalid.Problem), ArchiveProblem(invalid));
            }
            await TryWriteAsync(audit, Event(AuditEventTypes.TenantDataImported, actor, tenantId, "import", "failed", "rolled back: " + cause.GetType().Name));
            if (TenantDataProblems.From(cause) is { } unavailable)
            {
                return unavailable;
            }
            throw;
        }
        catch
        {
            await SettleAsync(tenant, -reserved);
            throw;
        }
        if (result.Outcome != TenantImportOutcome.Imported)
        {
            await SettleAsync(tenant, -reserved - result.RemovedOtherBytes);
            return await RefusedAsync(audit, actor, tenantId, result.Outcome == TenantImportOutcome.Busy ? "import running" : "tenant not empty",
                result.Outcome == TenantImportOutcome.Busy
                    ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Import running", type: TenantNotEmpty,
                        detail: $"Another import into tenant '{tenantId}' is running. Nothing was stored.")
                    : NotEmpty(tenantId));
        }
        await SettleAsync(tenant, result.StoredBytes - reserved);
        var manifest = archive.Manifest;
        await audit.WriteNowAsync(Event(AuditEventTypes.TenantDataImported, actor, tenantId, "import", "success", string.Create(CultureInfo.InvariantCulture,
            $"source={manifest.Tenant}@{manifest.Region} exportedAt={manifest.CreatedAt:O} manifestSha256={archive.ManifestSha256} collections={result.Collections} records={result.Records} files={result.Files} bytes={result.StoredBytes}")),
            CancellationToken.None);
        return TypedResults.Ok(new TenantImportResponse(tenantId, manifest.Tenant, manifest.Region, manifest.CreatedAt, manifest.Format, manifest.FormatVersion,
            result.Collections, result.Records, result.Files, result.StoredBytes, archive.ManifestSha256));
    }

    private static async Task<bool> SpoolAsync(Stream body, Stream spool, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                return false;
            }
            await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        await spool.FlushAsync(cancellationToken);
        return true;
    }

    private static async Task SettleAsync(ITenantGrain tenant, long delta)
    {
        if (delta != 0)
        {
            await tenant.ReserveStorageAsync(delta);
        }
    }

    internal static IResult ArchiveProblem(TenantArchiveInvalidException invalid)
    {
        ArgumentNullException.ThrowIfNull(invalid);
        var (status, title) = invalid.Problem switch
        {
            TenantArchiveProblem.NotAnArchive => (StatusCodes.Status400BadRequest, "Not a ZIP archive"),
            TenantArchiveProblem.UnsafePath => (StatusCodes.Status400BadRequest, "Unsafe entry path"),
            TenantArchiveProblem.UnknownFormat => (StatusCodes.Status400BadRequest, "Unknown archive format"),
            TenantArchiveProblem.ChecksumMismatch => (StatusCodes.Status400BadRequest, "Checksum mismatch"),
            TenantArchiveProblem.MissingEntry => (StatusCodes.Status400BadRequest, "Missing entry"),
            TenantArchiveProblem.UnexpectedEntry => (StatusCodes.Status400BadRequest, "Unexpected entry"),
            TenantArchiveProblem.TooLarge => (StatusCodes.Status413PayloadTooLarge, "Archive over a limit"),
            _ => (StatusCodes.Status400BadRequest, "Invalid archive content"),
        };
        return TypedResults.Problem(statusCode: status, title: title, type: ArchiveProblemBase + Kebab(invalid.Problem),
            detail: invalid.Message + " Nothing was stored.");
    }

    private static IResult ArchiveTooLarge(long maxBytes) =>
        ArchiveProblem(new TenantArchiveInvalidException(TenantArchiveProblem.TooLarge,
            string.Create(CultureInfo.InvariantCulture, $"An import archive has at most {maxBytes} bytes.")));

    private static IResult NotEmpty(string tenantId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Tenant not empty", type: TenantNotEmpty,
            detail: $"Tenant '{tenantId}' has collections already: an export is imported only into a tenant without any. Nothing was stored.");

    private static string Kebab(TenantArchiveProblem problem) => problem switch
    {
        TenantArchiveProblem.NotAnArchive => "not-an-archive",
        TenantArchiveProblem.UnsafePath => "unsafe-path",
        TenantArchiveProblem.UnknownFormat => "unknown-format",
        TenantArchiveProblem.ChecksumMismatch => "checksum-mismatch",
        TenantArchiveProblem.MissingEntry => "missing-entry",
        TenantArchiveProblem.UnexpectedEntry => "unexpected-entry",
        TenantArchiveProblem.TooLarge => "too-large",
        _ => "invalid-content",
    };
}
