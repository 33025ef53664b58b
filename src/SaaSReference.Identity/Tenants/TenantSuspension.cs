using System.Globalization;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Database.Quotas;
using SaaSReference.Identity.Events;

namespace SaaSReference.Identity.Tenants;

/// <summary>
/// 12.1.3c, 12.2.1b/g: a frozen or terminated tenant is refused at sign-in and at the token endpoint. Quarantine
/// (frozen for a security suspension, <see cref="TenantStanding.IsQuarantined"/>) is a freeze and is refused by the
/// same rule: its people cannot sign in or refresh, and its machine clients get no tokens. Each refusal raises a
/// security event naming the status and reason; the person or client is told only that the tenant is suspended.
/// Platform staff have no tenant and are never refused by this rule.
/// </summary>
public sealed class TenantSuspension(TenantStandings standings, ISecurityEventSink events)
{
    /// <summary>What a person of a suspended tenant reads on the sign-in pages: no more than that (no reason, no status).</summary>
    public const string Message = "Your organisation's account is suspended. Contact your administrator.";

    /// <summary>The <c>error_description</c> of a refused token request.</summary>
    public const string TokenDescription = "The tenant's account is suspended.";

    /// <summary>The steps of the sign-in flow at which a suspended tenant is refused (the <c>step</c> detail of the event).</summary>
    public static class Steps
    {
        public const string TenantSelection = "tenant-selection";
        public const string Password = "password";
        public const string PendingSignIn = "pending-sign-in";
        public const string Authorize = "authorize";
    }

    /// <summary>Whether <paramref name="tenantId"/> is suspended now; no event (for showing a page, not refusing an action).</summary>
    public async ValueTask<bool> IsSuspendedAsync(string? tenantId, CancellationToken cancellationToken) =>
        await standings.SuspendedAsync(tenantId, cancellationToken) is not null;

    /// <summary>True (and a <see cref="SecurityEventTypes.SignInTenantSuspended"/> event) when the sign-in must stop.</summary>
    public async ValueTask<bool> RefuseSignInAsync(string? tenantId, string? userId, string step, CancellationToken cancellationToken)
    {
        if (await standings.SuspendedAsync(tenantId, cancellationToken) is not { } standing)
        {
            return false;
        }
        await events.RaiseAsync(new SecurityEvent(SecurityEventTypes.SignInTenantSuspended, userId, tenantId, null,
            SecurityEventOutcomes.Failure, Details(standing, ("step", step))), cancellationToken);
        return true;
    }

    /// <summary>True (and a <see cref="SecurityEventTypes.TokenTenantSuspended"/> event) when no token may be issued.</summary>
    public async ValueTask<bool> RefuseTokenAsync(string? tenantId, string? subject, string? clientId, string? grantType,
        CancellationToken cancellationToken)
    {
        if (await standings.SuspendedAsync(tenantId, cancellationToken) is not { } standing)
        {
            return false;
        }
        await events.RaiseAsync(new SecurityEvent(SecurityEventTypes.TokenTenantSuspended, subject, tenantId, clientId,
            SecurityEventOutcomes.Failure, Details(standing, ("grant_type", grantType ?? ""))), cancellationToken);
        return true;
    }

    private static Dictionary<string, string> Details(TenantStanding standing, (string Key, string Value) extra) => new(StringComparer.Ordinal)
    {
        ["status"] = TenantLimitsStore.Text(standing.Status),
        ["reason"] = TenantLimitsStore.Text(standing.Reason),
        // 12.2.1b: a security suspension is named as such in the audit trail.
        ["quarantined"] = standing.IsQuarantined ? "true" : "false",
        ["revision"] = standing.Revision.ToString(CultureInfo.InvariantCulture),
        [extra.Key] = extra.Value,
    };
}
