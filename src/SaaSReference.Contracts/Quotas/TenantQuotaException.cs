namespace SaaSReference.Contracts.Quotas;

/// <summary>Which limit refused a call.</summary>
[GenerateSerializer]
public enum QuotaKind
{
    /// <summary>The tenant is frozen or terminated.</summary>
    Frozen = 0,
    /// <summary>The day's request budget is spent (12.1.3a).</summary>
    DailyRequests = 1,
    /// <summary>The write would exceed the storage quota (12.1.3b).</summary>
    Storage = 2,
    /// <summary>Too many of the tenant's operations run on this silo at once (bulkhead).</summary>
    Concurrency = 3,
    /// <summary>The platform does not know this tenant.</summary>
    UnknownTenant = 4,
}

/// <summary>
/// A call refused by the tenant's quotas or status, before it did anything (nothing partial, nothing lost).
/// Raised by the grain call filter that enforces quotas in one place; the HTTP API turns it into problem details.
/// </summary>
[GenerateSerializer]
public sealed class TenantQuotaException : Exception
{
    /// <summary>For serializers.</summary>
    public TenantQuotaException() { }

    /// <summary>For serializers.</summary>
    public TenantQuotaException(string message) : base(message) { }

    /// <summary>For serializers.</summary>
    public TenantQuotaException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A refusal of <paramref name="kind"/> for <paramref name="tenantId"/>.</summary>
    public TenantQuotaException(string tenantId, QuotaKind kind, string message, TimeSpan? retryAfter = null) : base(message)
    {
        TenantId = tenantId;
        Kind = kind;
        RetryAfterSeconds = retryAfter is { } wait ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : null;
    }

    /// <summary>The tenant whose limit refused the call.</summary>
    [Id(0)] public string TenantId { get; private set; } = "";

    /// <summary>Which limit.</summary>
    [Id(1)] public QuotaKind Kind { get; private set; }

    /// <summary>When trying again can succeed, if it can.</summary>
    [Id(2)] public int? RetryAfterSeconds { get; private set; }
}

/// <summary>
/// A grain that works for one tenant. The quota call filter admits each of its calls: refused while the tenant is
/// frozen, limited in concurrency per silo, and storage-counted when it implements <see cref="IStoredSize"/>.
/// The tenant id is the part of the grain's key before the first '/'.
/// </summary>
public interface ITenantScopedGrain : IAddressable;

/// <summary>
/// A tenant-scoped grain whose state counts against the tenant's storage quota. The filter reserves the bytes a
/// call's <see cref="ISizedPayload"/> argument would add before the call runs, and settles the difference with
/// what the grain reports after it.
/// </summary>
public interface IStoredSize
{
    /// <summary>
    /// The bytes the grain's stored content takes now, read from where it is stored (not from a cache, so that a restore
    /// of the tenant's storage underneath an activation is counted right).
    /// </summary>
    ValueTask<long> GetStoredBytesAsync();
}

/// <summary>An argument that replaces a grain's stored content with <see cref="SizeBytes"/> bytes.</summary>
public interface ISizedPayload
{
    /// <summary>The size the stored content will have.</summary>
    long SizeBytes { get; }
}

/// <summary>A grain method a frozen tenant may still call (reading its own data for export, 8.1.5a).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AllowedWhenFrozenAttribute : Attribute;
