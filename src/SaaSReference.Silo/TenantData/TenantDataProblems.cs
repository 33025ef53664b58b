using SaaSReference.Contracts.TenantData;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Silo.TenantData;

/// <summary>Problem details of the tenant data APIs: the reason named, never internals, never key material.</summary>
public static class TenantDataProblems
{
    public const string BaseUri = "https://saasreference.local/problems/";
    public const string StorageGone = BaseUri + "tenant-storage-gone";
    public const string UnknownCollection = BaseUri + "unknown-collection";
    public const string VersionMismatch = BaseUri + "version-mismatch";

    /// <summary>
    /// The tenant's data cannot be used: a revoked or destroyed key answers as the keys API does
    /// (<see cref="TenantKeyProblems"/>: 423 while revoked, 410 once destroyed); storage that is gone answers 410.
    /// </summary>
    public static IResult Unavailable(TenantDataUnavailableReason reason, string tenantId, string message) => reason switch
    {
        TenantDataUnavailableReason.KeyRevoked => TenantKeyProblems.From(new TenantKeyUnavailableException(tenantId, TenantKeyUnavailableReason.Revoked, message)),
        TenantDataUnavailableReason.KeyDestroyed => TenantKeyProblems.From(new TenantKeyUnavailableException(tenantId, TenantKeyUnavailableReason.Destroyed, message)),
        _ => StorageGoneProblem(tenantId),
    };

    /// <summary>The problem for any of the exceptions that say a tenant's data cannot be used; null for other exceptions.</summary>
    public static IResult? From(Exception exception) => exception switch
    {
        TenantDataUnavailableException data => Unavailable(data.Reason, data.TenantId, data.Message),
        TenantKeyUnavailableException key => TenantKeyProblems.From(key),
        TenantStorageUnavailableException storage => StorageGoneProblem(storage.TenantId),
        _ => null,
    };

    private static IResult StorageGoneProblem(string tenantId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status410Gone, type: StorageGone,
            title: "Tenant storage gone", detail: $"Tenant '{tenantId}' has no storage: it was terminated or never provisioned.");

    public static IResult CollectionNotFound(string collection) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: UnknownCollection, title: "Unknown collection",
            detail: $"There is no collection '{collection}'. A tenant admin creates collections with PUT /api/tenants/{{tenantId}}/collections/{{name}}.");

    public static IResult TenantNotFound(string tenantId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tenant not found", detail: $"No tenant has id '{tenantId}'.");
}
