using System.Globalization;
using System.Text;

namespace SaaSReference.Database.Audit;

/// <summary>
/// 12.4.1a: the one catalogue of audit events. Every record names one of these types; <see cref="ToMarkdown"/>
/// generates docs/audit-events.md, which a test keeps in step with this list.
/// </summary>
public static class AuditEventTypes
{
    public const string DocumentPath = "docs/audit-events.md";

    // 12.4.3a/b: grain calls, recorded by the incoming grain call filter without business code calling anything.
    public static readonly AuditEventType GrainStateChanged = new("grain.state-changed", "silo", AuditSeverity.Info, false,
        "A state-changing call to a tenant's grain (a record written or deleted, ...).", ["grain", "method", "durationMs"]);
    public static readonly AuditEventType GrainPrivilegedCall = new("grain.privileged-call", "silo", AuditSeverity.Notice, true,
        "A privileged call to a tenant grain (create, status, plan, overrides, webhook): committed before it is acknowledged.",
        ["grain", "method", "durationMs"]);

    // 9.4.4b, 12.4.3a/d: use of the audit trail itself.
    public static readonly AuditEventType AuditQueried = new("audit.queried", "silo", AuditSeverity.Notice, true,
        "Someone read audit records; an operator's or auditor's query across tenants is always recorded.", ["filters", "returned"]);
    public static readonly AuditEventType AuditVerified = new("audit.verified", "silo", AuditSeverity.Notice, true,
        "Someone ran verify on a chain.", ["chain", "result"]);

    // 12.4.2b, 12.4.3d, 9.4.4b, 9.4.1c: what staff take out of the trail and the reviews they run on it.
    public static readonly AuditEventType AuditExported = new("audit.exported", "silo", AuditSeverity.Notice, true,
        "Someone exported audit records as signed JSON Lines (one tenant's chain, or one privileged user's acts).", ["scope", "subject", "records"]);
    public static readonly AuditEventType AuditReviewed = new("audit.reviewed", "silo", AuditSeverity.Notice, true,
        "An operator or auditor produced a privileged-use review report for a period.", ["report", "from", "to", "findings"]);
    public static readonly AuditEventType AccessReviewed = new("audit.access-reviewed", "identity", AuditSeverity.Notice, true,
        "An access review report (users, roles, MFA state, last sign-in) was produced for one tenant or for the platform's staff.",
        ["scope", "users", "flagged"]);
    public static readonly AuditEventType GrainCallsUnrecorded = new("audit.grain-calls-unrecorded", "silo", AuditSeverity.Critical, true,
        "A silo started with the grain call audit filter switched off (Audit:RecordGrainCalls = false; benchmarks only).", ["silo"]);
    public static readonly AuditEventType DashboardOpened = new("operator.dashboard-opened", "silo", AuditSeverity.Notice, true,
        "An operator opened the Orleans dashboard (its page, not each refresh of its data).", ["path"]);

    // 9.1.2e, 12.4.3a: the identity service's security events (ISecurityEventSink), one type each.
    public static readonly AuditEventType IdentitySignInSucceeded = Identity("sign-in.succeeded", AuditSeverity.Info);
    public static readonly AuditEventType IdentitySignInFailed = Identity("sign-in.failed", AuditSeverity.Warning);
    public static readonly AuditEventType IdentityOther = new("identity.other", "identity", AuditSeverity.Notice, false,
        "A security event of the identity service not yet named in this catalogue (its own type is in the field `event`).", ["event"]);

    // 6.1.2a, 12.1.2b/c/f: four-eyes change requests, each act committed before it is answered.
    private static AuditEventType ChangeRequest(string name, AuditSeverity severity, string description) =>
        new("change-request." + name, "silo", severity, true, description, ["requestId", "kind", "details"]);

    // 9.1.2a, 12.1.3c, 12.4.3a: refusals at the gateway, aggregated per caller, status, path template and window
    // (the gateway's RefusalAggregator; docs/audit.md): one record counts `count` refusals.
    public static readonly AuditEventType GatewayDenied = new("gateway.request-denied", "gateway", AuditSeverity.Warning, false,
        "Requests refused at or behind the gateway (401, 403, 429) by one caller on one path template in one window, counted.",
        ["status", "path", "count", "windowStart", "windowSeconds"]);
    public static readonly AuditEventType GatewayFrozenRefused = new("gateway.frozen-refused", "gateway", AuditSeverity.Warning, false,
        "Requests of a frozen (403) or terminated (410) tenant refused at the gateway on one path template in one window, counted.",
        ["status", "path", "count", "windowStart", "windowSeconds"]);

    // 9.1.2a, 12.4.3a: the browser sessions the gateway holds (authentication outcomes at the gateway; the sign-in itself,
    // password and MFA, is the identity service's record).
    public static readonly AuditEventType GatewaySessionStarted = new("gateway.session-started", "gateway", AuditSeverity.Info, false,
        "The gateway established a browser session after a completed sign-in (authorization code flow).", ["client", "amr"]);
    public static readonly AuditEventType GatewaySessionFailed = new("gateway.session-failed", "gateway", AuditSeverity.Warning, false,
        "A sign-in came back to the gateway failed or refused (bad state, denied, error from the identity service): no session.",
        ["client", "reason"]);
    public static readonly AuditEventType GatewaySessionEnded = new("gateway.session-ended", "gateway", AuditSeverity.Info, false,
        "A browser session ended: signed out, or its renewal refused by the identity service.", ["client", "reason"]);

    // 8.1.5, 10.1.2b, 12.3.1, 16.1.7, 18.1.3: the life of a tenant's entrusted data; every act committed before it is answered.
    private static AuditEventType TenantData(string name, AuditSeverity severity, string description) =>
        new("tenant-data." + name, "silo", severity, true, description, ["details"]);

    public static readonly AuditEventType TenantDataProvisioned = TenantData("provisioned", AuditSeverity.Notice,
        "A tenant's storage was provisioned in its region (schema and first data key).");
    public static readonly AuditEventType TenantDataCollectionCreated = TenantData("collection-created", AuditSeverity.Info,
        "A tenant admin created a collection and classified it.");
    public static readonly AuditEventType TenantDataCollectionDeleted = TenantData("collection-deleted", AuditSeverity.Notice,
        "A tenant admin deleted an empty collection.");
    public static readonly AuditEventType TenantKeyRotated = TenantData("key-rotated", AuditSeverity.Notice,
        "A tenant admin rotated the tenant's data key; re-encryption of the old data started.");
    public static readonly AuditEventType TenantKeyRotationCompleted = TenantData("key-rotation-completed", AuditSeverity.Notice,
        "All the tenant's data is encrypted with the current key version.");
    public static readonly AuditEventType TenantKeyRevoked = TenantData("key-revoked", AuditSeverity.Warning,
        "A tenant admin revoked the tenant's data key: its data is unreadable.");
    public static readonly AuditEventType TenantKeyReinstated = TenantData("key-reinstated", AuditSeverity.Notice,
        "A tenant admin reinstated the revoked data key.");
    public static readonly AuditEventType TenantKeyDestroyed = TenantData("key-destroyed", AuditSeverity.Warning,
        "Every version of the tenant's data key was destroyed (termination): its data and backups can never be decrypted.");
    public static readonly AuditEventType TenantBackupCreated = TenantData("backup-created", AuditSeverity.Info,
        "A backup of one tenant's storage was taken, encrypted with its key, and catalogued.");
    public static readonly AuditEventType TenantBackupCopied = TenantData("backup-copied", AuditSeverity.Info,
        "A tenant backup was copied to the backup site of the paired region.");
    public static readonly AuditEventType TenantBackupRestored = TenantData("backup-restored", AuditSeverity.Warning,
        "One tenant's storage was restored to a backup, after a four-eyes approval.");
    public static readonly AuditEventType PlatformBackupCreated = new("platform.backup-created", "silo", AuditSeverity.Info, true,
        "A backup of the platform's configuration (no tenant data) was taken.", ["details"]);
    public static readonly AuditEventType TenantDataExported = TenantData("exported", AuditSeverity.Notice,
        "A tenant admin exported all the tenant's data.");
    public static readonly AuditEventType TenantDataImported = TenantData("imported", AuditSeverity.Notice,
        "An export archive was imported into a tenant.");
    public static readonly AuditEventType TenantEvidenceExported = TenantData("evidence-exported", AuditSeverity.Warning,
        "An operator produced one tenant's data and audit records for an authority.");
    public static readonly AuditEventType TenantTerminationRequested = TenantData("termination-requested", AuditSeverity.Warning,
        "A tenant admin asked for the tenant to be terminated after the grace period.");
    public static readonly AuditEventType TenantTerminationCancelled = TenantData("termination-cancelled", AuditSeverity.Notice,
        "A pending termination was cancelled.");
    public static readonly AuditEventType TenantTerminated = TenantData("terminated", AuditSeverity.Warning,
        "The tenant's storage was dropped and its data key destroyed.");

    public static IReadOnlyList<AuditEventType> All { get; } =
    [
        GrainStateChanged, GrainPrivilegedCall, AuditQueried, AuditVerified,
        AuditExported, AuditReviewed, AccessReviewed, GrainCallsUnrecorded, DashboardOpened,
        IdentitySignInSucceeded, IdentitySignInFailed,
        Identity("mfa.enrolled", AuditSeverity.Notice), Identity("mfa.succeeded", AuditSeverity.Info), Identity("mfa.failed", AuditSeverity.Warning),
        Identity("account.locked-out", AuditSeverity.Warning), Identity("password.changed", AuditSeverity.Notice),
        Identity("password.reset", AuditSeverity.Notice), Identity("token.issued", AuditSeverity.Info),
        Identity("token.revoked", AuditSeverity.Notice), Identity("user.created", AuditSeverity.Notice),
        Identity("tenant.policy-changed", AuditSeverity.Notice), Identity("sign-in.tenant-suspended", AuditSeverity.Warning),
        Identity("token.tenant-suspended", AuditSeverity.Warning), Identity("tenant.quota-exceeded", AuditSeverity.Warning),
        IdentityOther, GatewayDenied, GatewayFrozenRefused, GatewaySessionStarted, GatewaySessionFailed, GatewaySessionEnded,
        ChangeRequest("requested", AuditSeverity.Notice, "An operator asked for a privileged change (unfreeze, plan, overrides, configuration)."),
        ChangeRequest("approved", AuditSeverity.Notice, "A second person approved a change request, and it was applied."),
        ChangeRequest("rejected", AuditSeverity.Notice, "A second person rejected a change request."),
        ChangeRequest("failed", AuditSeverity.Warning, "An approved change could no longer be applied."),
        ChangeRequest("expired", AuditSeverity.Notice, "A change request went stale without a decision."),
        ChangeRequest("refused", AuditSeverity.Warning, "A request or decision refused: self-approval, no MFA, not an approver, stale, bad input."),
        TenantDataProvisioned, TenantDataCollectionCreated, TenantDataCollectionDeleted,
        TenantKeyRotated, TenantKeyRotationCompleted, TenantKeyRevoked, TenantKeyReinstated, TenantKeyDestroyed,
        TenantBackupCreated, TenantBackupCopied, TenantBackupRestored, PlatformBackupCreated,
        TenantDataExported, TenantDataImported, TenantEvidenceExported,
        TenantTerminationRequested, TenantTerminationCancelled, TenantTerminated,
    ];

    private static readonly Dictionary<string, AuditEventType> ByName = All.ToDictionary(type => type.Name, StringComparer.Ordinal);

    public static AuditEventType? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The catalogue as the Markdown of <see cref="DocumentPath"/>.</summary>
    public static string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("# Audit event catalogue\n\n")
            .Append("Generated from `AuditEventTypes` (src/SaaSReference.Database/Audit) by the test `AuditCatalogueTests`; do not edit by hand (12.4.1a).\n")
            .Append("Every record also carries: chain, seq, at, type, severity, actor, tenant_id, target, outcome (docs/audit.md).\n")
            .Append("Privileged events are committed before the act is acknowledged; the others are batched.\n\n")
            .Append("| type | source | severity | privileged | required fields | description |\n")
            .Append("| --- | --- | --- | --- | --- | --- |\n");
        foreach (var type in All.OrderBy(type => type.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| `{type.Name}` | {type.Source} | {AuditEventType.Text(type.Severity)} | {(type.Privileged ? "yes" : "no")} | {string.Join(", ", type.RequiredFields)} | {type.Description} |\n");
        }
        return text.ToString();
    }

    private static AuditEventType Identity(string securityEventType, AuditSeverity severity) =>
        new("identity." + securityEventType, "identity", severity, false,
            $"Identity service security event `{securityEventType}` (subject, tenant, client and details as fields).", []);
}
