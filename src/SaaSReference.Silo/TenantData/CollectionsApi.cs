using System.Security.Claims;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Audit;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Records;
using SaaSReference.Silo.Apis;
using SaaSReference.Silo.Security;

namespace SaaSReference.Silo.TenantData;

/// <summary>Body of <c>PUT /api/tenants/{tenantId}/collections/{name}</c>.</summary>
public sealed record CollectionBody(string? Classification = null, string? Description = null);

/// <summary>A collection as the API shows it, with its labels (8.1.1b, 8.2.1).</summary>
public sealed record CollectionResponse(string Name, string Tenant, string Classification, string Description, DateTimeOffset CreatedAt, string CreatedBy)
{
    public static CollectionResponse From(TenantCollection collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return new(collection.Name, collection.TenantId, collection.Classification, collection.Description, collection.CreatedAt, collection.CreatedBy);
    }
}

/// <summary>The collections of a tenant.</summary>
public sealed record CollectionList(IReadOnlyList<CollectionResponse> Items);

/// <summary>
/// <c>/api/tenants/{tenantId}/collections</c>: the tenant's datasets. Tenant admins create and classify them (8.2.1:
/// classification per dataset; every record and file of a collection carries its label) and delete empty ones; members
/// read them. Records and files can only be written into a collection that exists.
/// </summary>
public static class CollectionsApi
{
    public const int MaxBodyBytes = 4 * 1024;
    private const int MaxDescriptionLength = 500;

    public static RouteGroupBuilder MapCollectionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenants/{tenantId}/collections").AddEndpointFilter(NoStore.Filter).HideForeignTenants();
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.TenantMember);
        group.MapGet("/{collection}", GetAsync).RequireAuthorization(Policies.TenantMember);
        group.MapPut("/{collection}", PutAsync).RequireAuthorization(Policies.TenantAdmin);
        group.MapDelete("/{collection}", DeleteAsync).RequireAuthorization(Policies.TenantAdmin);
        return group;
    }

    internal static async Task<IResult> ListAsync(string tenantId, TenantStorageLocator locator, TenantCollectionStore collections, CancellationToken cancellationToken)
    {
        if (await LocateAsync(tenantId, locator, cancellationToken) is not { } location)
        {
            return Missing(tenantId);
        }
        var items = await collections.ListAsync(location, cancellationToken);
        return TypedResults.Ok(new CollectionList([.. items.Select(CollectionResponse.From)]));
    }

    internal static async Task<IResult> GetAsync(string tenantId, string collection, TenantStorageLocator locator, TenantCollectionStore collections,
        CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection) is { } invalid)
        {
            return invalid;
        }
        if (await LocateAsync(tenantId, locator, cancellationToken) is not { } location)
        {
            return Missing(tenantId);
        }
        var found = await collections.GetAsync(location, collection, cancellationToken);
        return found is null ? TenantDataProblems.CollectionNotFound(collection) : TypedResults.Ok(CollectionResponse.From(found));
    }

    internal static async Task<IResult> PutAsync(string tenantId, string collection, HttpRequest request, ClaimsPrincipal user, TenantStorageLocator locator,
        TenantCollectionStore collections, IAuditTrail audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection) is { } invalid)
        {
            return invalid;
        }
        var (body, problem) = await JsonBody.ReadAsync<CollectionBody>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!DataClassification.IsValid(body!.Classification))
        {
            errors["classification"] = [$"Every collection is classified (8.2.1): one of {string.Join(", ", DataClassification.All)}."];
        }
        var description = body.Description?.Trim() ?? "";
        if (description.Length > MaxDescriptionLength || description.Any(char.IsControl))
        {
            errors["description"] = [$"At most {MaxDescriptionLength} characters, no control characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await LocateAsync(tenantId, locator, cancellationToken) is not { } location)
        {
            return Missing(tenantId);
        }
        if (await collections.CountAsync(location, cancellationToken) >= TenantCollectionStore.MaxCollections
            && await collections.GetAsync(location, collection, cancellationToken) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many collections",
                detail: $"A tenant has at most {TenantCollectionStore.MaxCollections} collections.");
        }
        var actor = user.Identity!.Name!;
        var (outcome, stored) = await collections.CreateAsync(location, collection, body.Classification!, description, actor, time.GetUtcNow(), cancellationToken);
        switch (outcome)
        {
            case CollectionCreateOutcome.Created:
                await audit.WriteNowAsync(new AuditEvent(AuditEventTypes.TenantDataCollectionCreated, actor, tenantId, collection, "success",
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = $"classification={stored.Classification}" }), cancellationToken);
                return TypedResults.Created($"/api/tenants/{tenantId}/collections/{collection}", CollectionResponse.From(stored));
            case CollectionCreateOutcome.Unchanged:
                return TypedResults.Ok(CollectionResponse.From(stored));
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Collection exists",
                    detail: $"Collection '{collection}' exists with classification '{stored.Classification}' and another description; nothing was changed.");
        }
    }

    internal static async Task<IResult> DeleteAsync(string tenantId, string collection, ClaimsPrincipal user, TenantStorageLocator locator,
        TenantCollectionStore collections, IAuditTrail audit, CancellationToken cancellationToken)
    {
        if (Invalid(tenantId, collection) is { } invalid)
        {
            return invalid;
        }
        if (await LocateAsync(tenantId, locator, cancellationToken) is not { } location)
        {
            return Missing(tenantId);
        }
        switch (await collections.DeleteAsync(location, collection, cancellationToken))
        {
            case CollectionDeleteOutcome.Deleted:
                await audit.WriteNowAsync(new AuditEvent(AuditEventTypes.TenantDataCollectionDeleted, user.Identity!.Name!, tenantId, collection, "success",
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = "" }), cancellationToken);
                return TypedResults.NoContent();
            case CollectionDeleteOutcome.NotFound:
                return TenantDataProblems.CollectionNotFound(collection);
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Collection not empty",
                    detail: $"Collection '{collection}' still holds records or files; delete them first. Nothing was deleted.");
        }
    }

    /// <summary>The tenant's storage, or null when the tenant does not exist (or has no storage any more).</summary>
    internal static async Task<TenantStorageLocation?> LocateAsync(string tenantId, TenantStorageLocator locator, CancellationToken cancellationToken) =>
        await locator.GetAsync(tenantId, cancellationToken);

    internal static IResult Missing(string tenantId) => TenantDataProblems.TenantNotFound(tenantId);

    private static IResult? Invalid(string tenantId, string collection)
    {
        if (!TenantId.IsValid(tenantId))
        {
            return TenantsApi.MalformedId(tenantId);
        }
        return RecordNames.IsValid(collection)
            ? null
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["collection"] = [$"A collection name has {RecordNames.Rule}"] });
    }
}
