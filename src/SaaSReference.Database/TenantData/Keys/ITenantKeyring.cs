namespace SaaSReference.Database.TenantData.Keys;

/// <summary>One version of a tenant's data key (AES-256), unwrapped for use in this process only; never logged or stored.</summary>
public sealed class TenantDataKey(string tenantId, int version, byte[] material)
{
    public const int SizeBytes = 32;

    public string TenantId { get; } = tenantId;

    public int Version { get; } = version;

    /// <summary>The 256-bit key. Never leaves the process: not in logs, problem details, exports or backups' metadata.</summary>
    public ReadOnlyMemory<byte> Material { get; } = material.Length == SizeBytes
        ? material
        : throw new ArgumentException($"A data key has {SizeBytes} bytes.", nameof(material));

    public override string ToString() => $"data key v{Version} of tenant {TenantId}";
}

/// <summary>Why a tenant's data key cannot be used.</summary>
public enum TenantKeyUnavailableReason
{
    /// <summary>The tenant has no data key (its storage is not provisioned).</summary>
    Missing,
    /// <summary>The tenant's admins revoked the key (10.1.2b): its data is unreadable until they reinstate it.</summary>
    Revoked,
    /// <summary>The key was destroyed at termination (8.1.5d): the data it encrypted, backups included, is gone for good.</summary>
    Destroyed,
}

/// <summary>The tenant's data key cannot be used; nothing was read or written.</summary>
public sealed class TenantKeyUnavailableException(string tenantId, TenantKeyUnavailableReason reason, string message) : Exception(message)
{
    public string TenantId { get; } = tenantId;

    public TenantKeyUnavailableReason Reason { get; } = reason;
}

/// <summary>
/// The tenants' data keys as the data paths use them (10.1.2b): a per-tenant AES-256 key, in versions, each wrapped by
/// the platform's key-encryption key at the key provider. Every method throws <see cref="TenantKeyUnavailableException"/>
/// while the tenant's key is revoked or destroyed.
/// </summary>
public interface ITenantKeyring
{
    /// <summary>The version that encrypts new data.</summary>
    ValueTask<TenantDataKey> GetCurrentAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>A given version, to decrypt what it encrypted (current or retired).</summary>
    ValueTask<TenantDataKey> GetAsync(string tenantId, int version, CancellationToken cancellationToken = default);

    /// <summary>Every version that still decrypts something (current first): the blind-index filter looks for a token of each.</summary>
    ValueTask<IReadOnlyList<TenantDataKey>> GetReadableAsync(string tenantId, CancellationToken cancellationToken = default);
}
