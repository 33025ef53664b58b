using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Audit;
using SaaSReference.Grains.Quotas;

namespace SaaSReference.Grains.Audit;

/// <summary>
/// 12.4.3a/b: records every state-changing and every privileged grain call (caller, tenant, grain, method, outcome,
/// duration) in one place; business code calls nothing. The rule, from the contracts alone:
/// <list type="bullet">
/// <item>a <see cref="ITenantGrain"/> method is privileged unless it reads (Get*) or is the platform's own
/// metering (Report*, ReserveStorage*, RecordRejections*); its record is committed before the call returns;</item>
/// <item>a <see cref="ITenantScopedGrain"/> method changes state unless it reads (Get*, List*) or is
/// <see cref="AllowedWhenFrozenAttribute"/> (what a frozen tenant may still do is reading and exporting);
/// its record is queued.</item>
/// </list>
/// Registered before the quota filter, so that refusals are recorded too.
/// </summary>
public sealed class AuditCallFilter(IAuditTrail trail) : IIncomingGrainCallFilter
{
    private static readonly string[] MeteringPrefixes = ["Get", "Report", "ReserveStorage", "RecordRejections"];

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var kind = Classify(context);
        if (kind is null)
        {
            await context.Invoke();
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var outcome = "success";
        try
        {
            await context.Invoke();
        }
        catch (TenantQuotaException)
        {
            outcome = "refused";
            throw;
        }
        catch
        {
            outcome = "failed";
            throw;
        }
        finally
        {
            var auditEvent = new AuditEvent(kind, AuditCallContext.Actor, TenantOf(context), context.TargetId.ToString(), outcome,
                new Dictionary<string, string>
                {
                    ["grain"] = context.TargetId.Type.ToString()!,
                    ["method"] = context.InterfaceMethod?.Name ?? "",
                    ["durationMs"] = Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture),
                });
            if (kind.Privileged)
            {
                await trail.WriteNowAsync(auditEvent);
            }
            else
            {
                await trail.EnqueueAsync(auditEvent);
            }
        }
    }

    /// <summary>The rule's answer per grain class and method, worked out once (it runs on every grain call).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type Grain, MethodInfo Method), AuditEventType?> Classes = new();

    /// <summary>The event type a call is recorded as, or null when it is not recorded.</summary>
    public static AuditEventType? Classify(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var method = context.InterfaceMethod;
        if (method is null || context.TargetContext?.GrainInstance is not { } grain)
        {
            return null;
        }
        return Classes.GetOrAdd((grain.GetType(), method), static key => Classify(key.Grain, key.Method));
    }

    private static AuditEventType? Classify(Type grain, MethodInfo method) =>
        typeof(ITenantGrain).IsAssignableFrom(grain) && !MeteringPrefixes.Any(p => method.Name.StartsWith(p, StringComparison.Ordinal))
            ? AuditEventTypes.GrainPrivilegedCall
            : typeof(ITenantScopedGrain).IsAssignableFrom(grain)
                && !method.Name.StartsWith("Get", StringComparison.Ordinal)
                && !method.Name.StartsWith("List", StringComparison.Ordinal)
                && method.GetCustomAttribute<AllowedWhenFrozenAttribute>() is null
                ? AuditEventTypes.GrainStateChanged
                : null;

    /// <summary>The tenant a grain call concerns (a tenant-scoped grain's, or a tenant grain's own id), or null.</summary>
    public static string? TenantOf(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TargetContext?.GrainInstance is ITenantScopedGrain)
        {
            return TenantQuotaCallFilter.TenantOf(context.TargetId);
        }
        var key = context.TargetId.Key.ToString();
        return TenantId.IsValid(key) ? key : null;
    }
}
