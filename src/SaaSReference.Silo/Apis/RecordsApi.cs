using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.Apis;

/// <summary>A record as the API shows it: the stored JSON object under <c>data</c>.</summary>
public sealed record RecordResponse(string Collection, string Id, long Version, DateTimeOffset UpdatedAt, string UpdatedBy, JsonElement Data)
{
    public static RecordResponse From(TenantRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var document = JsonDocument.Parse(record.Json);
        return new(record.Collection, record.Id, record.Version, record.UpdatedAt, record.UpdatedBy, document.RootElement.Clone());
    }
}

/// <summary>
/// <c>/api/tenants/{tenantId}/records/{collection}/{recordId}</c>: a tenant's JSON records. Each write passes the
/// tenant's quotas in the grain call filter (a write over the storage quota is refused before anything is
/// written, 12.1.3b). Versions give optimistic concurrency through ETag and If-Match.
/// </summary>
public static class RecordsApi
{
    public const string MaxRecordBytesKey = "Api:MaxRecordBytes";
    public const int DefaultMaxRecordBytes = 64 * 1024;

    public static RouteGroupBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/records/{collection}/{recordId}")
            .RequireAuthorization(Policies.TenantMember)
            .AddEndpointFilter(NoStore.Filter);
        group.MapGet("/", GetAsync);
        group.MapPut("/", PutAsync);
        group.MapDelete("/", DeleteAsync);
        return group;
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
        if (result.Outcome == RecordWriteOutcome.VersionMismatch)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Version mismatch",
                detail: result.Record is null ? "The record does not exist." : $"The record is at version {result.Record.Version}; read it again before replacing it.");
        }
        request.HttpContext.Response.Headers.ETag = ETag(result.Record!.Version);
        var shown = RecordResponse.From(result.Record);
        return result.Outcome == RecordWriteOutcome.Created
            ? TypedResults.Created($"/api/tenants/{tenantId}/records/{collection}/{recordId}", shown)
            : TypedResults.Ok(shown);
    }

    internal static async Task<IResult> DeleteAsync(string tenantId, string collection, string recordId, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Invalid(tenantId, collection, recordId) is { } invalid)
        {
            return invalid;
        }
        var deleted = await grains.GetGrain<ITenantRecordGrain>(RecordNames.Key(tenantId, collection, recordId)).DeleteAsync(user.Identity!.Name!);
        return deleted ? TypedResults.NoContent() : NotFound(collection, recordId);
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

    private static bool TryParseVersion(string value, out long version)
    {
        version = 0;
        return EntityTagHeaderValue.TryParse(value, out var tag) && !tag.IsWeak
            && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out version) && version > 0;
    }
}
