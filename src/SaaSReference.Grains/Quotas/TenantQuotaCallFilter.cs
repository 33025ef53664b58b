using System.Reflection;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;

namespace SaaSReference.Grains.Quotas;

/// <summary>
/// The one place where grains enforce a tenant's limits (12.1.3a-c, 12.2.1b): every call to a
/// <see cref="ITenantScopedGrain"/> passes here before it runs. It is refused, before anything is done, when the
/// tenant is frozen (unless the method is <see cref="AllowedWhenFrozenAttribute"/>), when the day's request budget
/// is spent, when the tenant already runs its limit of operations on this silo (bulkhead), or when it would store
/// more than the storage quota: the bytes are reserved with the tenant grain first, and settled afterwards with
/// what the grain really holds. Business code calls nothing.
/// </summary>
public sealed class TenantQuotaCallFilter(PlatformLimitsWatcher platform, TenantUsageMeter meter, IGrainFactory grains) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TargetContext?.GrainInstance is not ITenantScopedGrain grain)
        {
            await context.Invoke();
            return;
        }

        var tenantId = TenantOf(context.TargetId);
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var standing = platform.Find(tenantId) ?? await tenant.GetStandingAsync();
        if (standing is null)
        {
            throw Refuse(tenantId, QuotaKind.UnknownTenant, $"No tenant has id '{tenantId}'.");
        }
        if (standing.IsFrozen && context.InterfaceMethod?.GetCustomAttribute<AllowedWhenFrozenAttribute>() is null)
        {
            throw Refuse(tenantId, QuotaKind.Frozen, $"Tenant '{tenantId}' is {TenantLimitsStore.Text(standing.Status)}: only reading its data and exporting it are allowed.");
        }
        if (meter.DailyBudgetExhausted(tenantId))
        {
            throw Refuse(tenantId, QuotaKind.DailyRequests, $"Tenant '{tenantId}' has used its requests for today (UTC).", UntilMidnight());
        }

        var limits = standing.EffectiveLimits(platform.Configuration.Settings);
        using var slot = meter.TryEnter(tenantId, limits.ConcurrentOperations)
            ?? throw Refuse(tenantId, QuotaKind.Concurrency,
                $"Tenant '{tenantId}' already runs {limits.ConcurrentOperations} operations on this node, its limit.", TimeSpan.FromSeconds(1));

        if (grain is not IStoredSize sized)
        {
            await context.Invoke();
            return;
        }

        var before = await sized.GetStoredBytesAsync();
        long counted = 0;
        if (context.Request.GetArgumentCount() > 0 && Payload(context) is { } payload && payload.SizeBytes - before > 0)
        {
            var reservation = await tenant.ReserveStorageAsync(payload.SizeBytes - before);
            if (!reservation.Granted)
            {
                throw Refuse(tenantId, QuotaKind.Storage, reservation.Problem ?? "The storage quota is reached.");
            }
            counted = payload.SizeBytes - before;
            meter.StoredBytes(tenantId, reservation.StoredBytes);
        }
        try
        {
            await context.Invoke();
        }
        finally
        {
            // Whatever happened (a refused write, a smaller one, a delete), the count follows what is stored.
            var correction = await sized.GetStoredBytesAsync() - before - counted;
            if (correction != 0)
            {
                var settled = await tenant.ReserveStorageAsync(correction);
                meter.StoredBytes(tenantId, settled.StoredBytes);
            }
        }
    }

    /// <summary>The tenant of a tenant-scoped grain: its key up to the first '/'.</summary>
    public static string TenantOf(GrainId grainId)
    {
        var key = grainId.Key.ToString()!;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var tenantId = slash < 0 ? key : key[..slash];
        return TenantId.IsValid(tenantId) ? tenantId : throw new ArgumentException($"The grain {grainId} names no valid tenant.", nameof(grainId));
    }

    private TenantQuotaException Refuse(string tenantId, QuotaKind kind, string message, TimeSpan? retryAfter = null)
    {
        meter.Rejected(tenantId, TenantLimitsStore.Text(kind));
        return new TenantQuotaException(tenantId, kind, message, retryAfter);
    }

    private static ISizedPayload? Payload(IIncomingGrainCallContext context)
    {
        for (var i = 0; i < context.Request.GetArgumentCount(); i++)
        {
            if (context.Request.GetArgument(i) is ISizedPayload payload)
            {
                return payload;
            }
        }
        return null;
    }

    private static TimeSpan UntilMidnight()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero) - now;
    }
}
