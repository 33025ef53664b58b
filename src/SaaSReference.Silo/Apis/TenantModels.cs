using SaaSReference.Contracts.Tenants;
using SaaSReference.Database;

namespace SaaSReference.Silo.Apis;

/// <summary>Body of <c>POST /api/tenants</c>.</summary>
/// <summary>Body of <c>POST /api/tenants</c>; <see cref="Region"/> (16.1.7e) defaults to the platform's default region.</summary>
public sealed record CreateTenantRequest(string Id, string DisplayName, string? Region = null);

/// <summary>A tenant as the API shows it.</summary>
public sealed record TenantResponse(string Id, string DisplayName, string Status, DateTimeOffset CreatedAt, string CreatedBy, string? Region)
{
    public static TenantResponse From(TenantDetails tenant) =>
        new(tenant.Id, tenant.DisplayName, tenant.Status.ToString().ToLowerInvariant(), tenant.CreatedAt, tenant.CreatedBy, tenant.Region);

    public static TenantResponse From(TenantCatalogEntry entry) =>
        new(entry.TenantId, entry.DisplayName, entry.Status, entry.CreatedAt, entry.CreatedBy, entry.Region);
}

/// <summary>A page of tenants; pass <see cref="NextAfter"/> as <c>after</c> to read the next page.</summary>
public sealed record TenantPage(IReadOnlyList<TenantResponse> Items, string? NextAfter);
