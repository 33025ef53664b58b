using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Backups;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.TenantData;

/// <summary>The copy of a backup at the paired region's backup site (18.1.3a).</summary>
public sealed record TenantBackupCopyResponse(string Region, string? Location, DateTimeOffset? CopiedAt, string? Error);

/// <summary>A tenant backup as the API shows it: catalogue metadata only (12.3.1b), never data or key material.</summary>
public sealed record TenantBackupResponse(
    Guid BackupId,
    string TenantId,
    string Region,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? CompletedAt,
    string Location,
    long? SizeBytes,
    string? Sha256,
    int? RegionSchemaVersion,
    int? KeyVersion,
    IReadOnlyDictionary<string, long> RowCounts,
    long? DataBytes,
    TenantBackupCopyResponse? Copy,
    string? Failure)
{
    public static TenantBackupResponse From(TenantBackup backup)
    {
        ArgumentNullException.ThrowIfNull(backup);
        return new(backup.BackupId, backup.TenantId, backup.Region, TenantBackupsApi.Text(backup.Status), backup.CreatedAt, backup.CreatedBy,
            backup.CompletedAt, backup.Location, backup.SizeBytes, backup.Sha256, backup.RegionSchemaVersion, backup.KeyVersion, backup.RowCounts,
            backup.DataBytes, backup.CopyRegion is { } region ? new(region, backup.CopyLocation, backup.CopiedAt, backup.CopyError) : null, backup.Failure);
    }
}

/// <summary>A page of tenant backups, newest first; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
public sealed record TenantBackupPageResponse(IReadOnlyList<TenantBackupResponse> Items, Guid? NextAfter);

/// <summary>A platform backup as the API shows it (12.3.1a).</summary>
public sealed record PlatformBackupResponse(
    Guid BackupId,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? CompletedAt,
    string Location,
    long? SizeBytes,
    string? Sha256,
    int? PlatformSchemaVersion,
    IReadOnlyDictionary<string, long> TableCounts,
    string? Failure)
{
    public static PlatformBackupResponse From(PlatformBackup backup)
    {
        ArgumentNullException.ThrowIfNull(backup);
        return new(backup.BackupId, TenantBackupsApi.Text(backup.Status), backup.CreatedAt, backup.CreatedBy, backup.CompletedAt, backup.Location,
            backup.SizeBytes, backup.Sha256, backup.PlatformSchemaVersion, backup.TableCounts, backup.Failure);
    }
}

/// <summary>A page of platform backups, newest first.</summary>
public sealed record PlatformBackupPageResponse(IReadOnlyList<PlatformBackupResponse> Items, Guid? NextAfter);

/// <summary>
/// Backups (12.3.1a/b/c, 18.1.3a). <c>/api/tenants/{tenantId}/backups</c>: operators take a tenant's backup; the tenant's
/// admins and operators read its catalogue. <c>/api/backups</c>: the catalogue searched by tenant, region and time.
/// <c>/api/platform/backups</c>: operators take and list platform backups. Every backup taken (or refused) is in the audit
/// trail before it is answered. A restore is not here: it is a <c>tenant-restore</c> change request, applied only once a
/// second person approved it (6.1.2a, <see cref="TenantRestores"/>).
/// </summary>
public static class TenantBackupsApi
{
    public const int DefaultPageSize = 50;
    public const string BackupFailed = ChangeRequestsProblems.BaseUri + "backup-failed";
    public const string BackupsNotConfigured = ChangeRequestsProblems.BaseUri + "backups-not-configured";

    public static IEndpointRouteBuilder MapTenantBackupsApi(this IEndpointRouteBuilder app)
    {
        var tenant = app.MapGroup("/api/tenants/{tenantId}/backups").AddEndpointFilter(NoStore.Filter).HideForeignTenants();
        // Taking a backup is the platform's duty and costs the platform's backup sites, outside the tenant's storage quota:
        // operators only. A tenant's admins see their backups (and export their data themselves), and can ask the operators
        // for a backup; letting them start backups at will would let one tenant fill the region's backup site.
        tenant.MapPost("/", CreateAsync).RequireAuthorization(Policies.Operator);
        // 9.4.4e: the tenant comes from the token; another tenant's admin is refused by the policy.
        tenant.MapGet("/", ListAsync).RequireAuthorization(Policies.TenantAdmin);
        tenant.MapGet("/{backupId}", GetAsync).RequireAuthorization(Policies.TenantAdmin);
        // 12.3.1b: the search across tenants is for platform staff: operators, and approvers and auditors, read-only, who
        // must be able to look at the backup a tenant-restore request names before they approve or audit it.
        app.MapGet("/api/backups", SearchAsync).RequireAuthorization(Policies.PlatformStaff).AddEndpointFilter(NoStore.Filter);
        var platform = app.MapGroup("/api/platform/backups").RequireAuthorization(Policies.Operator).AddEndpointFilter(NoStore.Filter);
        platform.MapPost("/", CreatePlatformAsync);
        platform.MapGet("/", ListPlatformAsync);
        platform.MapGet("/{backupId}", GetPlatformAsync);
        return app;
    }

    /// <summary>Tenant backups and their four-eyes restore; register after <c>AddTenantStorage</c> and the tenant keys.</summary>
    public static IServiceCollection AddTenantBackups(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantBackupServices(configuration);
        services.TryAddSingleton<TenantRestores>();
        return services;
    }

    internal static async Task<IResult> CreateAsync(string tenantId, ClaimsPrincipal user, TenantBackupService backups, IAuditTrail audit)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return MalformedTenant();
        }
        var actor = user.Identity!.Name!;
        try
        {
            // Not the request's token: a backup that has started is finished (or catalogued failed) even if the client leaves.
            var backup = await backups.CreateAsync(tenantId, actor, CancellationToken.None);
            await audit.WriteNowAsync(TenantBackupAudit.Created(backup, actor), CancellationToken.None);
            if (backup.CopyRegion is not null)
            {
                await audit.WriteNowAsync(TenantBackupAudit.Copied(backup, actor), CancellationToken.None);
            }
            return TypedResults.Created($"/api/tenants/{tenantId}/backups/{backup.BackupId}", TenantBackupResponse.From(backup));
        }
        catch (TenantStorageUnavailableException)
        {
            await audit.WriteNowAsync(TenantBackupAudit.NotCreated(tenantId, null, actor, "the tenant has no storage", inTenantChain: false), CancellationToken.None);
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tenant has no storage",
                detail: $"Tenant '{tenantId}' has no provisioned storage (it does not exist, is not provisioned yet, or was terminated); there is nothing to back up.");
        }
        catch (TenantKeyUnavailableException unavailable)
        {
            await audit.WriteNowAsync(TenantBackupAudit.NotCreated(tenantId, null, actor, $"the tenant's data key is {unavailable.Reason.ToString().ToLowerInvariant()}"),
                CancellationToken.None);
            return TenantDataProblems.From(unavailable)!;
        }
        catch (TenantBackupFailedException failed)
        {
            await audit.WriteNowAsync(TenantBackupAudit.NotCreated(tenantId, failed.BackupId, actor, failed.Message), CancellationToken.None);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: BackupFailed, title: "Backup failed",
                detail: $"The backup could not be taken: {failed.Message} It is catalogued as failed; nothing of the tenant's data changed.",
                extensions: new Dictionary<string, object?> { ["backupId"] = failed.BackupId });
        }
    }

    internal static async Task<IResult> ListAsync(string tenantId, string? after, string? limit, TenantBackupCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!TenantId.IsValid(tenantId))
        {
            return MalformedTenant();
        }
        var (cursor, size) = Paging(after, limit, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }
        var page = await catalog.SearchAsync(new TenantBackupQuery(tenantId, null, null, null, cursor, size), cancellationToken);
        return TypedResults.Ok(new TenantBackupPageResponse([.. page.Items.Select(TenantBackupResponse.From)], page.NextAfter));
    }

    internal static async Task<IResult> GetAsync(string tenantId, string backupId, TenantBackupCatalog catalog, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return MalformedTenant();
        }
        if (!Guid.TryParse(backupId, out var id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["backupId"] = ["A backup id is a UUID."] }, title: "Invalid backup id");
        }
        // Another tenant's backup is answered like a missing one.
        return await catalog.GetAsync(id, cancellationToken) is { } backup && backup.TenantId == tenantId
            ? TypedResults.Ok(TenantBackupResponse.From(backup))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Backup not found", detail: $"Tenant '{tenantId}' has no backup {id}.");
    }

    internal static async Task<IResult> SearchAsync(string? tenant, string? region, string? from, string? to, string? after, string? limit,
        TenantBackupCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (tenant is not null && !TenantId.IsValid(tenant))
        {
            errors["tenant"] = [$"A tenant id has {TenantId.Describe()}"];
        }
        if (region is not null && !TenantStorageOptions.IsValidRegionName(region))
        {
            errors["region"] = ["A region is two letters, a dash and 2 to 20 lower-case letters or digits (e.g. jp-east)."];
        }
        var start = Instant(from, "from", errors);
        var end = Instant(to, "to", errors);
        if (start is not null && end is not null && start >= end)
        {
            errors["to"] = ["to must be later than from."];
        }
        var (cursor, size) = Paging(after, limit, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }
        var page = await catalog.SearchAsync(new TenantBackupQuery(tenant, region, start, end, cursor, size), cancellationToken);
        return TypedResults.Ok(new TenantBackupPageResponse([.. page.Items.Select(TenantBackupResponse.From)], page.NextAfter));
    }

    internal static async Task<IResult> CreatePlatformAsync(ClaimsPrincipal user, PlatformBackupService backups, IAuditTrail audit)
    {
        var actor = user.Identity!.Name!;
        try
        {
            var backup = await backups.CreateAsync(actor, CancellationToken.None);
            await audit.WriteNowAsync(TenantBackupAudit.PlatformCreated(backup, actor), CancellationToken.None);
            return TypedResults.Created($"/api/platform/backups/{backup.BackupId}", PlatformBackupResponse.From(backup));
        }
        catch (TenantBackupFailedException failed)
        {
            await audit.WriteNowAsync(TenantBackupAudit.PlatformNotCreated(failed.BackupId, actor, failed.Message), CancellationToken.None);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: BackupFailed, title: "Platform backup failed",
                detail: $"The platform backup could not be taken: {failed.Message}", extensions: new Dictionary<string, object?> { ["backupId"] = failed.BackupId });
        }
        catch (PlatformBackupNotConfiguredException)
        {
            await audit.WriteNowAsync(TenantBackupAudit.PlatformNotCreated(null, actor, "platform backups are not configured"), CancellationToken.None);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: BackupsNotConfigured, title: "Platform backups not configured",
                detail: $"{PlatformBackupOptions.Section}:Directory must name a directory of its own, apart from the regions' tenant backup sites (12.3.1a).");
        }
    }

    internal static async Task<IResult> ListPlatformAsync(string? after, string? limit, PlatformBackupService backups, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (cursor, size) = Paging(after, limit, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }
        var page = await backups.ListAsync(cursor, size, cancellationToken);
        return TypedResults.Ok(new PlatformBackupPageResponse([.. page.Items.Select(PlatformBackupResponse.From)], page.NextAfter));
    }

    internal static async Task<IResult> GetPlatformAsync(string backupId, PlatformBackupService backups, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(backupId, out var id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["backupId"] = ["A backup id is a UUID."] }, title: "Invalid backup id");
        }
        return await backups.GetAsync(id, cancellationToken) is { } backup
            ? TypedResults.Ok(PlatformBackupResponse.From(backup))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Backup not found", detail: $"There is no platform backup {id}.");
    }

    internal static string Text(TenantBackupStatus status) => status.ToString().ToLowerInvariant();

    private static (Guid? Cursor, int Size) Paging(string? after, string? limit, Dictionary<string, string[]> errors)
    {
        Guid? cursor = null;
        if (after is not null)
        {
            if (Guid.TryParse(after, out var id))
            {
                cursor = id;
            }
            else
            {
                errors["after"] = ["after is the id of the last backup of the previous page."];
            }
        }
        var size = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > TenantBackupCatalog.MaxPageSize))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {TenantBackupCatalog.MaxPageSize}."];
        }
        return (cursor, size);
    }

    private static DateTimeOffset? Instant(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }
        errors[field] = [$"{field} is an ISO 8601 date and time, e.g. 2025-01-31T00:00:00Z."];
        return null;
    }

    private static IResult MalformedTenant() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["tenantId"] = [$"A tenant id has {TenantId.Describe()}"] }, title: "Invalid tenant id");
}
