using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Records;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.TenantData;

/// <summary>A file's description as the API shows it, with its labels (8.1.1b, 8.2.1).</summary>
public sealed record FileResponse(string Collection, string Id, string Tenant, string Classification, string ContentType, long SizeBytes, string Sha256,
    string? FileName, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string UpdatedBy)
{
    public static FileResponse From(StoredFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new(file.Collection, file.Id, file.TenantId, file.Classification, file.ContentType, file.SizeBytes, file.Sha256, file.FileName, file.Version,
            file.CreatedAt, file.UpdatedAt, file.UpdatedBy);
    }
}

/// <summary>A page of file descriptions; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
public sealed record FilePageResponse(IReadOnlyList<FileResponse> Items, string? NextAfter);

/// <summary>Limits of the files API (section <c>TenantData</c>).</summary>
public sealed class TenantFileOptions
{
    public const string Section = "TenantData";

    /// <summary>The largest file accepted, in bytes.</summary>
    public long MaxFileBytes { get; set; } = 32L * 1024 * 1024;
}

/// <summary>
/// <c>/api/tenants/{tenantId}/files/{collection}[/{fileId}]</c>: a tenant's binary files in a collection that exists. The
/// request body is the file (any media type but multipart), streamed into the tenant's own schema in encrypted chunks,
/// never buffered whole; counted against the storage quota as it arrives (12.1.3b); ETag/If-Match as for records.
/// Downloads are attachments with nosniff, so stored content never runs as a page of the API's origin.
/// </summary>
public static class FilesApi
{
    private const long StorageStep = 1024 * 1024;
    private const int MaxFileNameLength = 255;

    public static RouteGroupBuilder MapFilesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/files/{collection}")
            .RequireAuthorization(Policies.TenantMember)
            .AddEndpointFilter(NoStore.Filter)
            .HideForeignTenants();
        group.MapGet("/", ListAsync);
        group.MapPut("/{fileId}", PutAsync);
        group.MapGet("/{fileId}", DownloadAsync);
        group.MapGet("/{fileId}/metadata", MetadataAsync);
        group.MapDelete("/{fileId}", DeleteAsync);
        return group;
    }

    internal static async Task<IResult> ListAsync(string tenantId, string collection, string? after, string? limit, TenantStorageLocator locator,
        TenantCollectionStore collections, TenantFileStore files, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection, null) is { } invalid)
        {
            return invalid;
        }
        var size = RecordsApi.DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > TenantFileStore.MaxPageSize))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit is a whole number from 1 to {TenantFileStore.MaxPageSize}."] });
        }
        if (after is not null && !TenantFileStore.IsValidId(after))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["after is the nextAfter of the previous page: a file id."] });
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        if (await collections.GetAsync(location, collection, cancellationToken) is null)
        {
            return TenantDataProblems.CollectionNotFound(collection);
        }
        var page = await files.ListAsync(location, collection, after, size, cancellationToken);
        return TypedResults.Ok(new FilePageResponse([.. page.Items.Select(FileResponse.From)], page.NextAfter));
    }

    internal static async Task<IResult> PutAsync(string tenantId, string collection, string fileId, HttpContext http, ClaimsPrincipal user,
        TenantStorageLocator locator, TenantFileStore files, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<TenantFileOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection, fileId) is { } invalid)
        {
            return invalid;
        }
        var request = http.Request;
        var maxBytes = options.Value.MaxFileBytes;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType.Value is not { Length: > 0 } type || !type.Contains('/'))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Content type needed",
                detail: "Send the file as the request body with its media type in Content-Type (application/octet-stream when unknown).");
        }
        if (type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Multipart not accepted",
                detail: "Send the file itself as the request body, not a multipart form.");
        }
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            return TooLarge(maxBytes);
        }
        string? fileName = null;
        if (request.Headers.ContentDisposition.Count > 0)
        {
            if (!ContentDispositionHeaderValue.TryParse(request.Headers.ContentDisposition.ToString(), out var disposition))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["Content-Disposition"] = ["Not a valid Content-Disposition header."] });
            }
            fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            if (fileName is not null && (fileName.Length > MaxFileNameLength || fileName.Any(char.IsControl)))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["Content-Disposition"] = [$"The file name has at most {MaxFileNameLength} characters, no control characters."] });
            }
        }
        long? ifVersion = null;
        if (request.Headers.IfMatch.Count > 0)
        {
            if (!RecordsApi.TryParseVersion(request.Headers.IfMatch.ToString(), out var expected))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match",
                    detail: "If-Match must be the ETag of the file's current version, such as \"3\".");
            }
            ifVersion = expected;
        }
        else if (request.Headers.IfNoneMatch.ToString() == "*")
        {
            ifVersion = 0;
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        // The server-wide body limit is for JSON; a file may be larger, up to its own limit (checked while streaming).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = maxBytes + 1;
        }

        // 12.1.3b: storage is reserved step by step as the file arrives, and settled with what was stored afterwards.
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var before = await files.SizeAsync(location, collection, fileId, cancellationToken);
        long reserved = 0;
        long arrived = 0;
        async ValueTask<bool> Grant(long bytes, CancellationToken token)
        {
            arrived += bytes;
            while (arrived - before > reserved)
            {
                var step = Math.Max(StorageStep, arrived - before - reserved);
                var reservation = await tenant.ReserveStorageAsync(step);
                if (!reservation.Granted)
                {
                    return false;
                }
                reserved += step;
            }
            return true;
        }

        FileStoreResult result;
        try
        {
            result = await files.UploadAsync(location, collection, fileId, new FileUpload(type, fileName, user.Identity!.Name!, ifVersion), request.Body, maxBytes,
                Grant, time.GetUtcNow(), cancellationToken);
        }
        catch (FileTooLargeException)
        {
            await SettleAsync(tenant, -reserved);
            return TooLarge(maxBytes);
        }
        catch (FileQuotaExceededException)
        {
            await SettleAsync(tenant, -reserved);
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Storage quota exceeded", type: Quotas.QuotaProblems.QuotaExceededType,
                detail: "The tenant's storage quota does not allow this file. Nothing was stored.");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await SettleAsync(tenant, -reserved);
            return TooLarge(maxBytes);
        }
        catch
        {
            await SettleAsync(tenant, -reserved);
            throw;
        }

        if (result.Outcome is not (FileStoreOutcome.Created or FileStoreOutcome.Replaced))
        {
            await SettleAsync(tenant, -reserved);
            return result.Outcome == FileStoreOutcome.UnknownCollection
                ? TenantDataProblems.CollectionNotFound(collection)
                : TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Version mismatch", type: TenantDataProblems.VersionMismatch,
                    detail: result.File is null ? "The file does not exist. Nothing was stored." : $"The file is at version {result.File.Version}; nothing was stored.");
        }
        await SettleAsync(tenant, result.File!.SizeBytes - before - reserved);
        http.Response.Headers.ETag = ETag(result.File.Version);
        var shown = FileResponse.From(result.File);
        return result.Outcome == FileStoreOutcome.Created
            ? TypedResults.Created($"/api/tenants/{tenantId}/files/{collection}/{fileId}", shown)
            : TypedResults.Ok(shown);
    }

    internal static async Task<IResult> MetadataAsync(string tenantId, string collection, string fileId, HttpResponse response, TenantStorageLocator locator,
        TenantFileStore files, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection, fileId) is { } invalid)
        {
            return invalid;
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        var file = await files.GetAsync(location, collection, fileId, cancellationToken);
        if (file is null)
        {
            return NotFound(collection, fileId);
        }
        response.Headers.ETag = ETag(file.Version);
        return TypedResults.Ok(FileResponse.From(file));
    }

    internal static async Task DownloadAsync(string tenantId, string collection, string fileId, HttpContext http, TenantStorageLocator locator,
        TenantFileStore files, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection, fileId) is { } invalid)
        {
            await invalid.ExecuteAsync(http);
            return;
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            await TenantDataProblems.TenantNotFound(tenantId).ExecuteAsync(http);
            return;
        }
        var file = await files.GetAsync(location, collection, fileId, cancellationToken);
        if (file is null)
        {
            await NotFound(collection, fileId).ExecuteAsync(http);
            return;
        }
        var response = http.Response;
        response.ContentType = file.ContentType;
        response.ContentLength = file.SizeBytes;
        response.Headers.ETag = ETag(file.Version);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(file.FileName ?? file.Id);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers["X-Content-SHA256"] = file.Sha256;
        // Decrypted chunk by chunk, written as it goes. A fault after the first byte aborts the response, so a client
        // never takes a truncated file for a whole one (Content-Length is not met).
        await foreach (var chunk in files.ReadContentAsync(location, file, cancellationToken))
        {
            await response.Body.WriteAsync(chunk, cancellationToken);
        }
    }

    internal static async Task<IResult> DeleteAsync(string tenantId, string collection, string fileId, HttpRequest request, TenantStorageLocator locator,
        TenantFileStore files, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection, fileId) is { } invalid)
        {
            return invalid;
        }
        long? ifVersion = null;
        if (request.Headers.IfMatch.Count > 0)
        {
            if (!RecordsApi.TryParseVersion(request.Headers.IfMatch.ToString(), out var expected))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match",
                    detail: "If-Match must be the ETag of the file's current version, such as \"3\".");
            }
            ifVersion = expected;
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        var size = await files.SizeAsync(location, collection, fileId, cancellationToken);
        switch (await files.DeleteAsync(location, collection, fileId, ifVersion, cancellationToken))
        {
            case RecordDeleteOutcome.Deleted:
                await SettleAsync(grains.GetGrain<ITenantGrain>(tenantId), -size);
                return TypedResults.NoContent();
            case RecordDeleteOutcome.NotFound:
                return NotFound(collection, fileId);
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Version mismatch", type: TenantDataProblems.VersionMismatch,
                    detail: "The file is at another version; read it again. Nothing was deleted.");
        }
    }

    private static async Task SettleAsync(ITenantGrain tenant, long delta)
    {
        if (delta != 0)
        {
            await tenant.ReserveStorageAsync(delta);
        }
    }

    private static IResult TooLarge(long maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large",
            detail: $"A file has at most {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes. Nothing was stored.");

    private static IResult NotFound(string collection, string fileId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "File not found", detail: $"There is no file '{fileId}' in '{collection}'.");

    private static string ETag(long version) => new EntityTagHeaderValue($"\"{version.ToString(CultureInfo.InvariantCulture)}\"").ToString();

    private static IResult? Invalid(string tenantId, string collection, string? fileId)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!RecordNames.IsValid(collection))
        {
            errors["collection"] = [$"A collection name has {RecordNames.Rule}"];
        }
        if (fileId is not null && !TenantFileStore.IsValidId(fileId))
        {
            errors["fileId"] = [$"A file id has {TenantFileStore.IdRule}"];
        }
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : null;
    }
}
