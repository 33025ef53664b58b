using System.Collections.Concurrent;
using System.Security.Cryptography;
using SaaSReference.Database.TenantData;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.Tests.TenantData.Backups;

/// <summary>
/// A test double of <see cref="ITenantKeyring"/>: random AES-256 keys kept in memory, one list of versions per tenant,
/// revocable and destroyable like the real keyring (which throws <see cref="TenantKeyUnavailableException"/> then). Also
/// the provisioning step that gives a new tenant its first key.
/// </summary>
internal sealed class TestKeyring : ITenantKeyring, ITenantProvisioningStep
{
    private readonly ConcurrentDictionary<string, Entry> _tenants = new(StringComparer.Ordinal);

    public Task ProvisionAsync(TenantStorageLocation location, string actor, CancellationToken cancellationToken)
    {
        _tenants.GetOrAdd(location.TenantId, _ => new Entry([NewKey(location.TenantId, 1)]));
        return Task.CompletedTask;
    }

    public void Rotate(string tenantId)
    {
        var entry = _tenants[tenantId];
        lock (entry)
        {
            entry.Versions.Add(NewKey(tenantId, entry.Versions.Count + 1));
        }
    }

    public void Revoke(string tenantId) => _tenants[tenantId].Unavailable = TenantKeyUnavailableReason.Revoked;

    public void Reinstate(string tenantId) => _tenants[tenantId].Unavailable = null;

    public void Destroy(string tenantId) => _tenants[tenantId].Unavailable = TenantKeyUnavailableReason.Destroyed;

    public ValueTask<TenantDataKey> GetCurrentAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var entry = Usable(tenantId);
        lock (entry)
        {
            return ValueTask.FromResult(entry.Versions[^1]);
        }
    }

    public ValueTask<TenantDataKey> GetAsync(string tenantId, int version, CancellationToken cancellationToken = default)
    {
        var entry = Usable(tenantId);
        lock (entry)
        {
            return version >= 1 && version <= entry.Versions.Count
                ? ValueTask.FromResult(entry.Versions[version - 1])
                : throw new TenantKeyUnavailableException(tenantId, TenantKeyUnavailableReason.Missing, $"Tenant '{tenantId}' has no key version {version}.");
        }
    }

    public ValueTask<IReadOnlyList<TenantDataKey>> GetReadableAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var entry = Usable(tenantId);
        lock (entry)
        {
            return ValueTask.FromResult<IReadOnlyList<TenantDataKey>>([.. Enumerable.Reverse(entry.Versions)]);
        }
    }

    private Entry Usable(string tenantId)
    {
        if (!_tenants.TryGetValue(tenantId, out var entry))
        {
            throw new TenantKeyUnavailableException(tenantId, TenantKeyUnavailableReason.Missing, $"Tenant '{tenantId}' has no data key.");
        }
        return entry.Unavailable is { } reason
            ? throw new TenantKeyUnavailableException(tenantId, reason, $"The data key of tenant '{tenantId}' is {reason}.")
            : entry;
    }

    private static TenantDataKey NewKey(string tenantId, int version) => new(tenantId, version, RandomNumberGenerator.GetBytes(TenantDataKey.SizeBytes));

    private sealed class Entry(List<TenantDataKey> versions)
    {
        public List<TenantDataKey> Versions { get; } = versions;

        public TenantKeyUnavailableReason? Unavailable { get; set; }
    }
}
