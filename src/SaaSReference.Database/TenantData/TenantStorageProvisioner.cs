using System.Collections.Concurrent;

namespace SaaSReference.Database.TenantData;

/// <summary>
/// A part of a tenant's provisioning that lives outside its schema (its first data key, for one). Steps run in
/// registration order after the schema exists, on every provisioning call, and must be idempotent.
/// </summary>
public interface ITenantProvisioningStep
{
    Task ProvisionAsync(TenantStorageLocation location, string actor, CancellationToken cancellationToken);
}

/// <summary>The tenant's storage was terminated: it is gone and is never provisioned again.</summary>
public sealed class TenantStorageTerminatedException(string tenantId)
    : InvalidOperationException($"The storage of tenant '{tenantId}' was terminated; its data is destroyed and its id cannot be stored again.")
{
    public string TenantId { get; } = tenantId;
}

/// <summary>The tenant's data is stored in another region than the one asked; a tenant's region never changes.</summary>
public sealed class TenantRegionConflictException(string tenantId, string storedRegion, string askedRegion)
    : InvalidOperationException($"Tenant '{tenantId}' keeps its data in region '{storedRegion}', chosen at creation; it cannot be stored in '{askedRegion}'.")
{
    public string StoredRegion { get; } = storedRegion;
}

/// <summary>
/// Provisions a tenant's storage in one call: records the region in the platform catalog, creates the tenant's
/// schema in that region's database, runs the other steps (its data key). Idempotent: a repeated or interrupted call
/// completes what is missing and changes nothing else.
/// </summary>
public sealed class TenantStorageProvisioner(
    TenantStorageCatalog catalog,
    TenantRegions regions,
    TenantStorageLocator locator,
    IEnumerable<ITenantProvisioningStep> steps,
    TimeProvider time)
{
    public async Task<TenantStorageLocation> ProvisionAsync(string tenantId, string region, string actor, CancellationToken cancellationToken = default)
    {
        if (!regions.IsKnown(region))
        {
            throw new ArgumentException($"Region '{region}' is not one of {string.Join(", ", regions.Names)}.", nameof(region));
        }
        var location = await catalog.RequestAsync(tenantId, region, time.GetUtcNow(), cancellationToken);
        if (location.State == TenantStorageState.Terminated)
        {
            throw new TenantStorageTerminatedException(tenantId);
        }
        if (location.Region != region)
        {
            throw new TenantRegionConflictException(tenantId, location.Region, region);
        }
        await using (var command = regions.DataSource(region).CreateCommand("SELECT tenant_storage.provision($1, $2, $3)"))
        {
            command.Parameters.Add(new() { Value = tenantId });
            command.Parameters.Add(new() { Value = location.SchemaName });
            command.Parameters.Add(new() { Value = region });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var step in steps)
        {
            await step.ProvisionAsync(location, actor, cancellationToken);
        }
        await catalog.MarkProvisionedAsync(tenantId, time.GetUtcNow(), cancellationToken);
        locator.Forget(tenantId);
        return await locator.GetAsync(tenantId, cancellationToken)
            ?? throw new InvalidOperationException($"Tenant '{tenantId}' was provisioned but its storage cannot be found.");
    }
}

/// <summary>
/// Finds a tenant's storage (region and schema) for the data paths, caching provisioned locations: a tenant's region and
/// schema never change while it exists. Termination calls <see cref="Forget"/>; another silo's cache entry then points at a
/// dropped schema, whose queries fail instead of reaching anything else.
/// </summary>
public sealed class TenantStorageLocator(TenantStorageCatalog catalog)
{
    private readonly ConcurrentDictionary<string, TenantStorageLocation> _provisioned = new(StringComparer.Ordinal);

    /// <summary>The tenant's storage when it is provisioned; null when it is not (yet, or any more).</summary>
    public async ValueTask<TenantStorageLocation?> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        if (_provisioned.TryGetValue(tenantId, out var cached))
        {
            return cached;
        }
        var location = await catalog.GetAsync(tenantId, cancellationToken);
        if (location is not { State: TenantStorageState.Provisioned })
        {
            return null;
        }
        _provisioned[tenantId] = location;
        return location;
    }

    public void Forget(string tenantId) => _provisioned.TryRemove(tenantId, out _);
}

/// <summary>The tenant has no provisioned storage (never provisioned, or terminated): nothing of it can be read or written.</summary>
public sealed class TenantStorageUnavailableException(string tenantId)
    : InvalidOperationException($"Tenant '{tenantId}' has no storage: it was never provisioned or it was terminated.")
{
    public string TenantId { get; } = tenantId;
}
