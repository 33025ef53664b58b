namespace SaaSReference.Database.TenantData.Keys;

/// <summary>Configuration section <c>TenantKeys</c>: how long keys stay cached and how re-encryption paces itself.</summary>
public sealed class TenantKeyOptions
{
    public const string Section = "TenantKeys";

    /// <summary>The longest <see cref="CacheLifetime"/> accepted: a revocation whose notification is lost still holds within it.</summary>
    public static readonly TimeSpan MaxCacheLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a silo keeps a tenant's unwrapped keys and key status in memory. Revocation reaches every silo at once
    /// through PostgreSQL NOTIFY; this bound is the backstop when a notification is lost (the connection was down).
    /// Clamped to 0..<see cref="MaxCacheLifetime"/>.
    /// </summary>
    public TimeSpan CacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows re-encrypted per batch (one transaction each) after a rotation.</summary>
    public int ReencryptionBatchSize { get; set; } = 200;

    /// <summary>How long one timer tick of the re-encryption grain works before it yields to other calls.</summary>
    public TimeSpan ReencryptionTickBudget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The pause between ticks of the re-encryption grain.</summary>
    public TimeSpan ReencryptionInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan EffectiveCacheLifetime =>
        CacheLifetime < TimeSpan.Zero ? TimeSpan.Zero : CacheLifetime > MaxCacheLifetime ? MaxCacheLifetime : CacheLifetime;

    public int EffectiveBatchSize => Math.Clamp(ReencryptionBatchSize, 1, 5_000);
}
