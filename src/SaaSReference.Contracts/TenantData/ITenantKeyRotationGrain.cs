using SaaSReference.Contracts.Quotas;

namespace SaaSReference.Contracts.TenantData;

/// <summary>Where the re-encryption after a key rotation stands.</summary>
[GenerateSerializer]
public enum TenantKeyRotationStatus
{
    /// <summary>No rotation was started.</summary>
    Idle = 0,
    /// <summary>Re-encrypting in batches.</summary>
    Running = 1,
    /// <summary>Waiting: the key is revoked; re-encryption resumes once it is reinstated.</summary>
    Paused = 2,
    /// <summary>Every row is encrypted with the target version.</summary>
    Completed = 3,
    /// <summary>Stopped: a row does not decrypt, or the key was destroyed (see the problem).</summary>
    Failed = 4,
}

/// <summary>The progress of re-encrypting a tenant's data with its current key version (10.1.2b).</summary>
/// <param name="TargetVersion">The key version the data is brought to (0: none yet).</param>
/// <param name="Status">Where it stands.</param>
/// <param name="PendingAtStart">Rows that needed an older version when the rotation started.</param>
/// <param name="Reencrypted">Rows re-encrypted so far.</param>
/// <param name="Skipped">Rows left to a concurrent write (looked at again in the next pass).</param>
/// <param name="Passes">Passes over the tenant's tables finished.</param>
/// <param name="StartedAt">When the rotation started.</param>
/// <param name="UpdatedAt">When the last batch ended.</param>
/// <param name="CompletedAt">When every row was on the target version.</param>
/// <param name="Problem">Why it is paused or failed; never key material or data.</param>
[GenerateSerializer, Immutable]
public sealed record TenantKeyRotationProgress(
    [property: Id(0)] int TargetVersion,
    [property: Id(1)] TenantKeyRotationStatus Status,
    [property: Id(2)] long PendingAtStart,
    [property: Id(3)] long Reencrypted,
    [property: Id(4)] long Skipped,
    [property: Id(5)] int Passes,
    [property: Id(6)] DateTimeOffset? StartedAt,
    [property: Id(7)] DateTimeOffset? UpdatedAt,
    [property: Id(8)] DateTimeOffset? CompletedAt,
    [property: Id(9)] string? Problem);

/// <summary>
/// The re-encryption of one tenant's data after its key was rotated, keyed by the tenant id. Its progress is persisted in
/// the tenant's own schema and it resumes after a silo restart (a reminder reactivates it); it works in bounded batches on
/// a timer, without downtime: readers and writers of the data API keep working throughout.
/// </summary>
public interface ITenantKeyRotationGrain : IGrainWithStringKey, ITenantScopedGrain
{
    /// <summary>
    /// Starts (or continues) bringing every row of the tenant to key version <paramref name="targetVersion"/> or newer.
    /// Idempotent: a rotation already running to that version or a newer one is left as it is; a paused one resumes.
    /// </summary>
    Task<TenantKeyRotationProgress> StartAsync(int targetVersion, string requestedBy);

    /// <summary>The progress so far.</summary>
    [AllowedWhenFrozen]
    Task<TenantKeyRotationProgress> GetProgressAsync();
}
