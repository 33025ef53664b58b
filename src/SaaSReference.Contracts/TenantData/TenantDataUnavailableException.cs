namespace SaaSReference.Contracts.TenantData;

/// <summary>Why a tenant's entrusted data cannot be read or written.</summary>
[GenerateSerializer]
public enum TenantDataUnavailableReason
{
    /// <summary>The tenant's admins revoked its data key (10.1.2b): unreadable until they reinstate it.</summary>
    KeyRevoked = 0,
    /// <summary>The data key was destroyed (8.1.5d): the data can never be read again.</summary>
    KeyDestroyed = 1,
    /// <summary>The tenant's storage is not provisioned, or was dropped at termination.</summary>
    StorageGone = 2,
}

/// <summary>
/// A tenant's data cannot be used; nothing was read or written. Raised by tenant-scoped grains across the cluster and
/// answered by the HTTP API as problem details naming the reason, never internals.
/// </summary>
[GenerateSerializer]
public sealed class TenantDataUnavailableException : Exception
{
    /// <summary>For serializers.</summary>
    public TenantDataUnavailableException() { }

    /// <summary>For serializers.</summary>
    public TenantDataUnavailableException(string message) : base(message) { }

    /// <summary>For serializers.</summary>
    public TenantDataUnavailableException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The data of <paramref name="tenantId"/> cannot be used, for <paramref name="reason"/>.</summary>
    public TenantDataUnavailableException(string tenantId, TenantDataUnavailableReason reason, string message) : base(message)
    {
        TenantId = tenantId;
        Reason = reason;
    }

    /// <summary>The tenant whose data cannot be used.</summary>
    [Id(0)] public string TenantId { get; private set; } = "";

    /// <summary>Why.</summary>
    [Id(1)] public TenantDataUnavailableReason Reason { get; private set; }
}
