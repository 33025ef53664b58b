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

/// <summary>What <c>POST /api/tenants/{tenantId}/import</c> stored, and from which export.</summary>
public sealed record TenantImportResponse(
    string Tenant,
    string SourceTenant,
    string SourceRegion,
    DateTimeOffset ExportedAt,
    string Format,
    int FormatVersion,
    int Collections,
    long Records,
    long Files,
    long StoredBytes,
    string ManifestSha256);

/// <summary>
/// A tenant's data leaving and entering the platform (docs/export-format.md):
/// <list type="bullet">
/// <item><c>GET /api/tenants/{tenantId}/export</c>: the tenant's admins (and operators) take all its data away as one ZIP
/// archive of a documented, versioned format (8.1.5b, 13.2.2e), streamed; a frozen tenant still can (8.1.5a: the admission
/// middleware and the gateway let <c>/export</c> through).</item>
/// <item><c>POST /api/tenants/{tenantId}/import</c>: an export archive into a tenant without collections, checked
/// completely before anything is stored, storage reserved against the quota (12.1.3b); an invalid archive stores nothing.</item>
/// <item><c>GET /api/tenants/{tenantId}/evidence</c>: operators only. One tenant's data and its audit chain with what
/// verifies it, for an authority (16.1.7a/b, 18.1.3b). Not tenant admins: the evidence archive is the provider's
/// attestation of what it holds and recorded about the tenant (the audit chain, checked and covered by a checkpoint the
/// platform signs while producing it); the tenant's own admins already take their data with the export and read their
/// audit records with the audit API, and a tenant under investigation must not produce the platform's evidence about
/// itself. Every production is recorded in the tenant's own chain with the operator as actor, so it is never hidden from
/// the audit trail.</item>
/// </list>
/// Every route answers a caller of another tenant 404 (9.4.4e); every act is audited, committed before the archive's
/// first byte is sent or before the import is answered.
/// </summary>
public static partial class TenantExportApi
{
    public const string ArchiveProblemBase = TenantDataProblems.BaseUri + "tenant-archive-";
    public const string TenantNotEmpty = TenantDataProblems.BaseUri + "tenant-not-empty";
    private const int MaxReferenceLength = 200;

    /// <summary>The export, import and evidence services (section <c>TenantExport</c>). Register after <c>AddTenantStorage</c>.</summary>
    public static IServiceCollection AddTenantExport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TenantExportOptions>()
            .Bind(configuration.GetSection(TenantExportOptions.Section))
            .Validate(options => options.Problems().Count == 0, $"The {TenantExportOptions.Section} section is misconfigured: see TenantExportOptions.Problems().")
            .ValidateOnStart();
        services.AddSingleton<TenantEvidenceAuditWriter>();
        services.AddSingleton<TenantExporter>();
        services.AddSingleton<TenantArchiveValidator>();
        services.AddSingleton<TenantImporter>();
        return services;
    }

    public static RouteGroupBuilder MapTenantExportApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}").AddEndpointFilter(NoStore.Filter).HideForeignTenants();
        group.MapGet("/export", ExportAsync).RequireAuthorization(Policies.TenantAdmin);
        group.MapPost("/import", ImportAsync).RequireAuthorization(Policies.TenantAdmin);
        group.MapGet("/evidence", EvidenceAsync).RequireAuthorization(Policies.Operator);
        return group;
    }

    internal static async Task ExportAsync(string tenantId, HttpContext http, TenantStorageLocator locator, ITenantKeyring keyring, TenantExporter exporter,
        IAuditTrail audit, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await LocateAsync(tenantId, http, locator, keyring, cancellationToken) is not { } location)
        {
            return;
        }
        var actor = AuditActor.Of(http.User);
        var now = time.GetUtcNow();
        // 8.1.5a: recorded (committed) before the first byte of the tenant's data leaves.
        await audit.WriteNowAsync(Event(AuditEventTypes.TenantDataExported, actor, tenantId, "export", "started",
            $"format={TenantArchiveFormat.ExportFormat}/{TenantArchiveFormat.Version} region={location.Region}"), cancellationToken);
        await StreamAsync(http, AuditEventTypes.TenantDataExported, "export", actor, tenantId, FileName(tenantId, "export", now),
            (body, token) => exporter.ExportAsync(location, new TenantArchiveRequest(actor, now), body, token), audit, loggers, cancellationToken);
    }

    internal static async Task EvidenceAsync(string tenantId, string? reference, HttpContext http, TenantStorageLocator locator, ITenantKeyring keyring,
        TenantExporter exporter, IAuditTrail audit, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (reference is not null && (reference.Length is 0 or > MaxReferenceLength || reference.Any(char.IsControl)))
        {
            await TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["reference"] = [$"The request this evidence answers (a case number): 1 to {MaxReferenceLength} characters, no control characters."],
            }).ExecuteAsync(http);
            return;
        }
        if (await LocateAsync(tenantId, http, locator, keyring, cancellationToken) is not { } location)
        {
            return;
        }
        var actor = AuditActor.Of(http.User);
        var now = time.GetUtcNow();
        // 16.1.7b: in the tenant's own chain, with the operator as actor, committed before anything is produced; the record is
        // itself part of the evidence's audit records.
        await audit.WriteNowAsync(Event(AuditEventTypes.TenantEvidenceExported, actor, tenantId, "evidence", "started",
            $"format={TenantArchiveFormat.EvidenceFormat}/{TenantArchiveFormat.Version} reference={reference ?? "-"}"), cancellationToken);
        await StreamAsync(http, AuditEventTypes.TenantEvidenceExported, "evidence", actor, tenantId, FileName(tenantId, "evidence", now),
            (body, token) => exporter.EvidenceAsync(location, new TenantArchiveRequest(actor, now, reference), body, token), audit, loggers, cancellationToken);
    }

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

    /// <summary>The tenant's storage with a usable key, or null once the problem is written (malformed id, no such tenant).</summary>
    private static async Task<TenantStorageLocation?> LocateAsync(string tenantId, HttpContext http, TenantStorageLocator locator, ITenantKeyring keyring,
        CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            await TenantsApi.MalformedId(tenantId).ExecuteAsync(http);
            return null;
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            await TenantDataProblems.TenantNotFound(tenantId).ExecuteAsync(http);
            return null;
        }
        // A revoked or destroyed key is answered (423, 410) before the archive starts, never as a cut stream.
        await keyring.GetCurrentAsync(tenantId, cancellationToken);
        return location;
    }

    /// <summary>
    /// Streams an archive as the response. A failure after the first byte cuts the connection: the client never holds a
    /// ZIP with a central directory and a manifest that is not the whole archive. The outcome is audited either way.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, AuditEventType type, string target, string actor, string tenantId, string fileName,
        Func<Stream, CancellationToken, Task<TenantArchiveSummary>> write, IAuditTrail audit, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.ContentType = TenantArchiveFormat.MediaType;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.XContentTypeOptions = "nosniff";
        TenantArchiveSummary summary;
        try
        {
            summary = await write(response.Body, cancellationToken);
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nothing more to send, and nothing wrong with the platform.
            await TryWriteAsync(audit, Event(type, actor, tenantId, target, "cancelled", "the client closed the connection"));
            return;
        }
        catch (Exception exception)
        {
            LogArchiveFailed(loggers.CreateLogger(typeof(TenantExportApi)), exception, target, tenantId);
            await TryWriteAsync(audit, Event(type, actor, tenantId, target, "failed", exception.GetType().Name));
            if (!response.HasStarted)
            {
                throw;
            }
            http.Abort();
            return;
        }
        var counts = summary.Counts;
        var details = string.Create(CultureInfo.InvariantCulture,
            $"manifestSha256={summary.ManifestSha256} entries={summary.Entries} collections={counts.Collections} records={counts.Records} files={counts.Files} bytes={counts.RecordBytes + counts.FileBytes}");
        if (summary.Audit is { } chain)
        {
            details += string.Create(CultureInfo.InvariantCulture, $" auditRecords={chain.Records} auditIntact={chain.Intact} checkpoints={chain.Checkpoints}");
        }
        await audit.WriteNowAsync(Event(type, actor, tenantId, target, "success", details), CancellationToken.None);
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

    private static async Task<IResult> RefusedAsync(IAuditTrail audit, string actor, string tenantId, string reason, IResult problem)
    {
        await TryWriteAsync(audit, Event(AuditEventTypes.TenantDataImported, actor, tenantId, "import", "refused", reason));
        return problem;
    }

    /// <summary>Records a refusal or failure; the answer does not wait on an audit store that is down (the act itself did nothing).</summary>
    private static async Task TryWriteAsync(IAuditTrail audit, AuditEvent auditEvent)
    {
        try
        {
            await audit.WriteNowAsync(auditEvent, CancellationToken.None);
        }
        catch (Npgsql.NpgsqlException)
        {
            // Nothing was stored or sent by the act being recorded; the log has the failure.
        }
    }

    private static AuditEvent Event(AuditEventType type, string actor, string tenantId, string target, string outcome, string details) =>
        new(type, actor, tenantId, target, outcome, new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = details });

    private static string FileName(string tenantId, string kind, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"{tenantId}-{kind}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.zip");

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

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Archive} archive of tenant {TenantId} failed while it was produced (a started response is cut).")]
    private static partial void LogArchiveFailed(ILogger logger, Exception exception, string archive, string tenantId);
}
