namespace SaaSReference.Grains.Audit;

/// <summary>
/// The caller of a grain call as the audit trail records it. The silo's HTTP API puts the validated token's
/// subject into the Orleans <see cref="RequestContext"/>, which flows down the call chain. This is attribution
/// only, never identity (conventions 5): any Orleans client could set it, so grains never authorise by it, and
/// the cluster's gateway port is reachable only by the trusted API layer.
/// </summary>
public static class AuditCallContext
{
    public const string ActorKey = "saasref.audit.actor";

    /// <summary>The actor recorded for calls that no API request started (timers, reminders, startup tasks).</summary>
    public const string System = "system";

    public static string Actor => RequestContext.Get(ActorKey) as string ?? System;

    /// <summary>Sets the actor for the calls made until the returned scope is disposed.</summary>
    public static IDisposable Begin(string actor)
    {
        RequestContext.Set(ActorKey, actor);
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => RequestContext.Remove(ActorKey);
    }
}
