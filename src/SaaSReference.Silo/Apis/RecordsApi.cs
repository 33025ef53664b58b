using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.TenantData;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Records;

namespace SaaSReference.Silo.Apis;

/// <summary>
/// A record as the API shows it: the stored JSON object under <c>data</c>, with its labels: the tenant it belongs to and
/// its collection's classification (8.1.1b, 8.2.1).
/// </summary>
public sealed record RecordResponse(string Collection, string Id, string Tenant, string Classification, long Version, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt, string UpdatedBy, JsonElement Data)
{
    public static RecordResponse From(TenantRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var document = JsonDocument.Parse(record.Json);
        return new(record.Collection, record.Id, record.TenantId, record.Classification, record.Version, record.CreatedAt, record.UpdatedAt,
            record.UpdatedBy, document.RootElement.Clone());
    }

    public static RecordResponse From(StoredRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var document = JsonDocument.Parse(record.Json);
        return new(record.Collection, record.Id, record.TenantId, record.Classification, record.Version, record.CreatedAt, record.UpdatedAt,
            record.UpdatedBy, document.RootElement.Clone());
    }
}

/// <summary>A page of records; pass <see cref="NextAfter"/> as <c>after</c> for the next page.</summary>
public sealed record RecordPageResponse(IReadOnlyList<RecordResponse> Items, string? NextAfter);

/// <summary>
/// <c>/api/tenants/{tenantId}/records/{collection}[/{recordId}]</c>: a tenant's JSON records, in a collection that exists,
/// stored encrypted in the tenant's own schema (8.2.3a, 10.1.2b). Each write passes the tenant's quotas in the grain call
/// filter (a write over the storage quota is refused before anything is written, 12.1.3b). Versions give optimistic
/// concurrency through ETag and If-Match / If-None-Match: *. The list pages in id order and filters on one top-level field.
/// </summary>
public static class RecordsApi
{
    public const string MaxRecordBytesKey = "Api:MaxRecordBytes";
    public const int DefaultMaxRecordBytes = 64 * 1024;

    public static RouteGroupBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/records/{collection}/{recordId}")
            .RequireAuthorization(Policies.TenantMember)
            .AddEndpointFilter(NoStore.Filter)
            .HideForeignTenants();
        group.MapGet("/", GetAsync);
        group.MapPut("/", PutAsync);
        group.MapDelete("/", DeleteAsync);
        app.MapGet("/api/tenants/{tenantId}/records/{collection}", ListAsync)
            .RequireAuthorization(Policies.TenantMember)
            .AddEndpointFilter(NoStore.Filter)
            .HideForeignTenants();
        return group;
    }

    public const int DefaultPageSize = 50;
    private const int MaxFilterValueLength = 256;

    internal static async Task<IResult> ListAsync(string tenantId, string collection, string? after, string? limit, string? field, string? equals,
        TenantStorageLocator locator, TenantCollectionStore collections, TenantRecordStore records, CancellationToken cancellationToken)
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
        if (after is not null && !RecordNames.IsValid(after))
        {
            errors["after"] = ["after is the nextAfter of the previous page: a record id."];
        }
        var size = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > TenantRecordStore.MaxPageSize))
        {
            errors["limit"] = [$"limit is a whole number from 1 to {TenantRecordStore.MaxPageSize}."];
        }
        if ((field is null) != (equals is null))
        {
            errors[field is null ? "field" : "equals"] = ["The filter needs both field (a top-level member of the records) and equals (the value)."];
        }
        else if (field is not null && (field.Length is 0 or > 64 || field.Any(char.IsControl)))
        {
            errors["field"] = ["field is the name of a top-level member: 1 to 64 characters, no control characters."];
        }
        else if (equals is not null && equals.Length > MaxFilterValueLength)
        {
            errors["equals"] = [$"equals has at most {MaxFilterValueLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await locator.GetAsync(tenantId, cancellationToken) is not { } location)
        {
            return TenantDataProblems.TenantNotFound(tenantId);
        }
        if (await collections.GetAsync(location, collection, cancellationToken) is null)
        {
            return TenantDataProblems.CollectionNotFound(collection);
        }
        var page = await records.ListAsync(location, collection, after, size, field is null ? null : new RecordFilter(field, equals!), cancellationToken);
        return TypedResults.Ok(new RecordPageResponse([.. page.Items.Select(RecordResponse.From)], page.NextAfter));
    }

    internal static async Task<IResult> GetAsync(string tenantId, string collection, string recordId, HttpResponse response, IGrainFactory grains)
    {
        if (Invalid(tenantId, collection, recordId) is { } invalid)
        {
            return invalid;
        }
        var record = await grains.GetGrain<ITenantRecordGrain>(RecordNames.Key(tenantId, collection, recordId)).GetAsync();
        if (record is null)
        {
            return NotFound(collection, recordId);
        }
        response.Headers.ETag = ETag(record.Version);
        return TypedResults.Ok(RecordResponse.From(record));
    }

    internal static async Task<IResult> PutAsync(string tenantId, string collection, string recordId, HttpRequest request, ClaimsPrincipal user,
        IGrainFactory grains, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection, recordId) is { } invalid)
        {
            return invalid;
        }
        long? ifVersion = null;
        if (request.Headers.IfMatch.Count > 0)
        {
            if (!TryParseVersion(request.Headers.IfMatch.ToString(), out var expected))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match",
                    detail: "If-Match must be the ETag of the record's current version, such as \"3\".");
            }
            ifVersion = expected;
        }
        else if (request.Headers.IfNoneMatch.ToString() == "*")
        {
            ifVersion = 0;
        }

        var maxBytes = configuration.GetValue(MaxRecordBytesKey, DefaultMaxRecordBytes);
        // A JSON object only: an array, a string or a number is refused by the reader as invalid (400).
        var (data, problem) = await JsonBody.ReadAsync<JsonObject>(request, maxBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var result = await grains.GetGrain<ITenantRecordGrain>(RecordNames.Key(tenantId, collection, recordId))
            .PutAsync(new RecordContent(data!.ToJsonString(), user.Identity!.Name!, ifVersion));
        if (result.Outcome == RecordWriteOutcome.UnknownCollection)
        {
            return TenantDataProblems.CollectionNotFound(collection);
        }
        if (result.Outcome == RecordWriteOutcome.VersionMismatch)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Version mismatch", type: TenantDataProblems.VersionMismatch,
                detail: result.Record is null ? "The record does not exist." : $"The record is at version {result.Record.Version}; read it again before replacing it. Nothing was written.");
        }
        request.HttpContext.Response.Headers.ETag = ETag(result.Record!.Version);
        var shown = RecordResponse.From(result.Record);
        return result.Outcome == RecordWriteOutcome.Created
            ? TypedResults.Created($"/api/tenants/{tenantId}/records/{collection}/{recordId}", shown)
            : TypedResults.Ok(shown);
    }

    internal static async Task<IResult> DeleteAsync(string tenantId, string collection, string recordId, HttpRequest request, ClaimsPrincipal user,
        IGrainFactory grains)
    {
        if (Invalid(tenantId, collection, recordId) is { } invalid)
        {
            return invalid;
        }
        long? ifVersion = null;
        if (request.Headers.IfMatch.Count > 0)
        {
            if (!TryParseVersion(request.Headers.IfMatch.ToString(), out var expected))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match",
                    detail: "If-Match must be the ETag of the record's current version, such as \"3\".");
            }
            ifVersion = expected;
        }
        return await grains.GetGrain<ITenantRecordGrain>(RecordNames.Key(tenantId, collection, recordId)).DeleteAsync(user.Identity!.Name!, ifVersion) switch
        {
            RecordRemoval.Deleted => TypedResults.NoContent(),
            RecordRemoval.NotFound => NotFound(collection, recordId),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Version mismatch", type: TenantDataProblems.VersionMismatch,
                detail: "The record is at another version; read it again. Nothing was deleted."),
        };
    }

    private static IResult? Invalid(string tenantId, string collection, string recordId)
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
        if (!RecordNames.IsValid(recordId))
        {
            errors["recordId"] = [$"A record id has {RecordNames.Rule}"];
        }
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : null;
    }

    private static IResult NotFound(string collection, string recordId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Record not found", detail: $"There is no record '{recordId}' in '{collection}'.");

    private static string ETag(long version) => new EntityTagHeaderValue($"\"{version.ToString(CultureInfo.InvariantCulture)}\"").ToString();

    internal static bool TryParseVersion(string value, out long version)
    {
        version = 0;
        return EntityTagHeaderValue.TryParse(value, out var tag) && !tag.IsWeak
            && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0;
    }
}
