using System.Globalization;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.TenantData.Termination;

/// <summary>
/// The acts on a termination before it is executed (8.1.5d, 6.1.2a): the request by a tenant admin, its approval by a second
/// person (through its change request), its cancellation by the tenant's admins or an operator, and the closing of requests
/// whose approval was refused or never came. Each act is written to the audit trail before it returns.
/// </summary>
public sealed class TenantTerminationService(TenantTerminationStore store, IAuditTrail audit, IOptions<TenantTerminationOptions> options)
{
    /// <summary>The actor of what the platform does by itself (closing an unapproved request, executing an approved one).</summary>
    public const string PlatformActor = "platform";

    private readonly TenantTerminationOptions _options = Validated(options);

    public TenantTerminationStore Store => store;

    /// <summary>The configured grace period (<c>TenantTermination:GracePeriod</c>).</summary>
    public TimeSpan GracePeriod => _options.GracePeriod;

    /// <summary>
    /// Records the request and the change request a second person must approve; the grace period starts now.
    /// </summary>
    /// <exception cref="TenantTerminationConflictException">The tenant already has a termination that is not cancelled.</exception>
    public async Task<TenantTermination> RequestAsync(string tenantId, string actor, string reason, TimeSpan approvalLifetime,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var days = GracePeriod.TotalDays >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{GracePeriod.TotalDays:0.#} days")
            : string.Create(CultureInfo.InvariantCulture, $"{GracePeriod.TotalSeconds:0} seconds");
        var forApprover = Limit(
            $"Terminate tenant '{tenantId}' at its admin's request (8.1.5d): after a grace period of {days}, its data key is destroyed "
            + $"(its backups become undecryptable) and its storage dropped. Reason given: {reason}");
        var termination = await store.RequestAsync(
            new NewTenantTermination(tenantId, reason, actor, GracePeriod, forApprover, approvalLifetime), cancellationToken);
        await WriteAsync(AuditEventTypes.TenantTerminationRequested, actor, termination, string.Create(CultureInfo.InvariantCulture,
            $"termination {termination.Id}; change request {termination.ChangeRequestId}; executes not before {termination.ExecuteAfter:O} and only once approved by another person; reason: {reason}"),
            cancellationToken);
        return termination;
    }

    /// <summary>
    /// Records the approval given through the termination's change request; answers null when the termination is no longer
    /// pending (cancelled meanwhile). Nothing is destroyed before the grace period ends.
    /// </summary>
    public Task<TenantTermination?> ApproveAsync(Guid changeRequestId, string approvedBy, CancellationToken cancellationToken = default) =>
        store.ApproveAsync(changeRequestId, approvedBy, cancellationToken);

    /// <summary>Cancels the tenant's termination before its execution starts; null when there is nothing to cancel.</summary>
    public async Task<TenantTermination?> CancelAsync(string tenantId, string actor, string reason, CancellationToken cancellationToken = default)
    {
        var cancelled = await store.CancelAsync(tenantId, actor, reason, cancellationToken);
        if (cancelled is not null)
        {
            await WriteAsync(AuditEventTypes.TenantTerminationCancelled, actor, cancelled,
                $"termination {cancelled.Id} cancelled while {(cancelled.ApprovedBy is null ? "awaiting approval" : "approved by " + cancelled.ApprovedBy)}, before {cancelled.ExecuteAfter:O}: {reason}",
                cancellationToken);
        }
        return cancelled;
    }

    /// <summary>Cancels the pending terminations whose approval was refused, withdrawn or never came; answers them.</summary>
    public async Task<IReadOnlyList<TenantTermination>> CloseUndecidedAsync(CancellationToken cancellationToken = default)
    {
        var closed = await store.CloseUndecidedAsync(cancellationToken);
        foreach (var termination in closed)
        {
            await WriteAsync(AuditEventTypes.TenantTerminationCancelled, termination.CancelledBy ?? PlatformActor, termination,
                $"termination {termination.Id} closed without approval: {termination.CancelReason}", cancellationToken);
        }
        return closed;
    }

    private Task WriteAsync(AuditEventType type, string actor, TenantTermination termination, string details, CancellationToken cancellationToken) =>
        audit.WriteNowAsync(new AuditEvent(type, actor, termination.TenantId, termination.TenantId + "/termination", "success",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["details"] = details }), cancellationToken);

    private static string Limit(string text) => text.Length <= 500 ? text : text[..499] + "…";

    private static TenantTerminationOptions Validated(IOptions<TenantTerminationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Value.Problems();
        return problems.Count == 0
            ? options.Value
            : throw new InvalidOperationException("Tenant termination is misconfigured: " + string.Join(" ", problems));
    }
}
