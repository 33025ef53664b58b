namespace SaaSReference.Contracts.Tenants;

/// <summary>
/// One tenant of the platform, keyed by its tenant id (see <see cref="TenantId"/>). The grain's persisted
/// state is the authority on the tenant; the platform catalog is an index of it for listing.
/// </summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the tenant once. Its state is persisted before the call returns, so an acknowledged create
    /// survives the loss of any silo. A second create of the same id changes nothing and reports
    /// <see cref="CreateTenantOutcome.AlreadyExists"/> with the stored tenant.
    /// </summary>
    Task<CreateTenantResult> CreateAsync(CreateTenantCommand command);

    /// <summary>The tenant, or null when no tenant with this id was created.</summary>
    Task<TenantDetails?> GetAsync();
}
