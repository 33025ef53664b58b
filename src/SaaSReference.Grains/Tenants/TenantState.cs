using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Grains.Tenants;

/// <summary>The persisted state of one tenant grain.</summary>
[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public string DisplayName { get; set; } = "";
    [Id(1)] public TenantStatus Status { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public string CreatedBy { get; set; } = "";

    /// <summary>False between persisting the tenant and recording it in the catalog; the grain repairs it.</summary>
    [Id(4)] public bool CatalogRecorded { get; set; }
}
