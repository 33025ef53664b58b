namespace SaaSReference.Database.TenantData.Keys;

/// <summary>
/// Where the tenants' data keys live, wrapped by a key-encryption key (KEK) the platform database never sees (10.1.2b).
/// The shape of a cloud KMS: the provider generates a data key, keeps only its wrapped form, unwraps it on request, can
/// disable a tenant's keys (revocation enforced at the provider, not only by the platform's metadata) and can destroy them
/// for good (crypto-shredding at termination, 8.1.5d). See docs/tenant-keys.md for what a KMS-backed provider does.
/// </summary>
/// <remarks>
/// Every method is safe to call again after a failure and from several processes at once. A provider never logs, returns
/// or stores key material in clear anywhere but in the <see cref="TenantDataKey"/> it hands to its caller.
/// </remarks>
public interface ITenantKeyProvider
{
    /// <summary>The provider's name, recorded with each key version in <c>platform.tenant_keys</c> ("local", a KMS...).</summary>
    string Name { get; }

    /// <summary>
    /// Generates a 256-bit data key for <paramref name="version"/> of the tenant's key and keeps its wrapped form. Idempotent:
    /// when that version already exists (an interrupted earlier call, another silo racing) the existing key is answered, so
    /// every caller ends up with the same key.
    /// </summary>
    /// <exception cref="TenantKeyUnavailableException">The tenant's keys are disabled (revoked) or destroyed.</exception>
    Task<TenantDataKey> CreateAsync(string tenantId, int version, CancellationToken cancellationToken = default);

    /// <summary>Unwraps a version of the tenant's data key.</summary>
    /// <exception cref="TenantKeyUnavailableException">No such version (Missing), the keys are disabled (Revoked) or destroyed (Destroyed).</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The wrapped key was altered or belongs to another tenant or version.</exception>
    Task<TenantDataKey> UnwrapAsync(string tenantId, int version, CancellationToken cancellationToken = default);

    /// <summary>Disables every version of the tenant's key: nothing unwraps until <see cref="EnableAsync"/>. Idempotent.</summary>
    Task DisableAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Enables the tenant's keys again after <see cref="DisableAsync"/>. Idempotent.</summary>
    /// <exception cref="TenantKeyUnavailableException">The keys were destroyed: nothing can bring them back.</exception>
    Task EnableAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Destroys every version of the tenant's key, so that nothing they encrypted (live data and backups alike) can ever be
    /// decrypted again, and refuses to create new ones for the tenant. Idempotent: a repeated call finishes an interrupted one.
    /// </summary>
    Task DestroyAllAsync(string tenantId, CancellationToken cancellationToken = default);
}
