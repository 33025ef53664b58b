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

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Archive} archive of tenant {TenantId} failed while it was produced (a started response is cut).")]
    private static partial void LogArchiveFailed(ILogger logger, Exception exception, string archive, string tenantId);
}
