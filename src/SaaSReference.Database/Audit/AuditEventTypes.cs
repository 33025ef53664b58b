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

    // 9.1.2e, 12.4.3a: the identity service's security events (ISecurityEventSink), one type each.
    public static readonly AuditEventType IdentitySignInSucceeded = Identity("sign-in.succeeded", AuditSeverity.Info);
    public static readonly AuditEventType IdentitySignInFailed = Identity("sign-in.failed", AuditSeverity.Warning);
    public static readonly AuditEventType IdentityOther = new("identity.other", "identity", AuditSeverity.Notice, false,
        "A security event of the identity service not yet named in this catalogue (its own type is in the field `event`).", ["event"]);

    // 6.1.2a, 12.1.2b/c/f: four-eyes change requests, each act committed before it is answered.
    private static AuditEventType ChangeRequest(string name, AuditSeverity severity, string description) =>
        new("change-request." + name, "silo", severity, true, description, ["requestId", "kind", "details"]);

    // 9.1.2a, 12.1.3c: refusals at the gateway (catalogued; the gateway hook is not wired yet, docs/audit.md).
    public static readonly AuditEventType GatewayDenied = new("gateway.request-denied", "gateway", AuditSeverity.Warning, false,
        "A request refused at the gateway: 401, 403 or 429.", ["status", "path"]);
    public static readonly AuditEventType GatewayFrozenRefused = new("gateway.frozen-refused", "gateway", AuditSeverity.Warning, false,
        "A request of a frozen tenant refused at the gateway.", ["path"]);

    public static IReadOnlyList<AuditEventType> All { get; } =
    [
        GrainStateChanged, GrainPrivilegedCall, AuditQueried, AuditVerified,
        IdentitySignInSucceeded, IdentitySignInFailed,
        Identity("mfa.enrolled", AuditSeverity.Notice), Identity("mfa.succeeded", AuditSeverity.Info), Identity("mfa.failed", AuditSeverity.Warning),
        Identity("account.locked-out", AuditSeverity.Warning), Identity("password.changed", AuditSeverity.Notice),
        Identity("password.reset", AuditSeverity.Notice), Identity("token.issued", AuditSeverity.Info),
        Identity("token.revoked", AuditSeverity.Notice), Identity("user.created", AuditSeverity.Notice),
        Identity("tenant.policy-changed", AuditSeverity.Notice), Identity("sign-in.tenant-suspended", AuditSeverity.Warning),
        Identity("token.tenant-suspended", AuditSeverity.Warning), Identity("tenant.quota-exceeded", AuditSeverity.Warning),
        IdentityOther, GatewayDenied, GatewayFrozenRefused,
        ChangeRequest("requested", AuditSeverity.Notice, "An operator asked for a privileged change (unfreeze, plan, overrides, configuration)."),
        ChangeRequest("approved", AuditSeverity.Notice, "A second person approved a change request, and it was applied."),
        ChangeRequest("rejected", AuditSeverity.Notice, "A second person rejected a change request."),
        ChangeRequest("failed", AuditSeverity.Warning, "An approved change could no longer be applied."),
        ChangeRequest("expired", AuditSeverity.Notice, "A change request went stale without a decision."),
        ChangeRequest("refused", AuditSeverity.Warning, "A request or decision refused: self-approval, no MFA, not an approver, stale, bad input."),
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
