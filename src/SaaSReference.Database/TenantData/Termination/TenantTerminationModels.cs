namespace SaaSReference.Database.TenantData.Termination;

/// <summary>Where a termination stands (8.1.5d).</summary>
public enum TenantTerminationState
{
    /// <summary>Requested; waits for the approval of a second person (6.1.2a).</summary>
    Pending,
    /// <summary>Approved; waits for the end of the grace period. Still cancellable.</summary>
    Approved,
    /// <summary>Past the point of no return: being executed (or interrupted and to be finished). No longer cancellable.</summary>
    Executing,
    /// <summary>Done: the tenant's key is destroyed, its schema dropped, its storage terminated.</summary>
    Executed,
    /// <summary>Cancelled by the tenant's admins or an operator, or because the approval was rejected or never came.</summary>
    Cancelled,
}

/// <summary>A backup of the tenant that the destruction of its key made undecryptable (8.1.5e/f).</summary>
public sealed record UndecryptableBackup(Guid BackupId, string Region, int KeyVersion, DateTimeOffset CreatedAt, string? CopyRegion);

/// <summary>
/// 8.1.5e/f: what an executed termination destroyed, as recorded when it completed. Null members were not (yet) recorded.
/// </summary>
/// <param name="Region">The region whose database held the tenant's schema (null: the tenant had no storage).</param>
/// <param name="SchemaName">The tenant's schema, dropped.</param>
/// <param name="DroppedRows">Rows of each table of the schema just before it was dropped.</param>
/// <param name="SchemaDroppedAt">When the schema was found gone from the region database.</param>
/// <param name="KeyVersionsDestroyed">Every version of the tenant's data key, all destroyed at the key provider.</param>
/// <param name="KeysDestroyedAt">When the key provider confirmed the destruction.</param>
/// <param name="BackupsUndecryptable">The tenant's backups, which no key can decrypt any more.</param>
/// <param name="StorageTerminatedAt">When the platform's catalog marked the tenant's storage terminated.</param>
public sealed record TenantTerminationEvidence(
    string? Region,
    string? SchemaName,
    IReadOnlyDictionary<string, long>? DroppedRows,
    DateTimeOffset? SchemaDroppedAt,
    IReadOnlyList<int>? KeyVersionsDestroyed,
    DateTimeOffset? KeysDestroyedAt,
    IReadOnlyList<UndecryptableBackup>? BackupsUndecryptable,
    DateTimeOffset? StorageTerminatedAt);

/// <summary>A termination request as stored in <c>platform.tenant_terminations</c>.</summary>
public sealed record TenantTermination(
    Guid Id,
    string TenantId,
    TenantTerminationState State,
    string Reason,
    DateTimeOffset RequestedAt,
    string RequestedBy,
    DateTimeOffset ExecuteAfter,
    Guid ChangeRequestId,
    string? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    string? CancelledBy,
    DateTimeOffset? CancelledAt,
    string? CancelReason,
    DateTimeOffset? ExecutionStartedAt,
    DateTimeOffset? ExecutedAt,
    TenantTerminationEvidence Evidence)
{
    /// <summary>Whether it can still be cancelled: before execution starts.</summary>
    public bool IsCancellable => State is TenantTerminationState.Pending or TenantTerminationState.Approved;
}

/// <summary>A termination to request: the tenant, why, who, and the change request that a second person must approve.</summary>
/// <param name="TenantId">The tenant to terminate.</param>
/// <param name="Reason">The tenant admin's reason (1 to 500 characters).</param>
/// <param name="RequestedBy">The tenant admin (the token's subject): never the approver.</param>
/// <param name="GracePeriod">From now until the earliest execution.</param>
/// <param name="ChangeRequestReason">What the approver reads in the change request (1 to 500 characters).</param>
/// <param name="ApprovalLifetime">How long the change request may wait for a decision.</param>
public sealed record NewTenantTermination(
    string TenantId,
    string Reason,
    string RequestedBy,
    TimeSpan GracePeriod,
    string ChangeRequestReason,
    TimeSpan ApprovalLifetime);

/// <summary>The tenant has a termination that is not cancelled (pending, approved, executing or executed): nothing was changed.</summary>
public sealed class TenantTerminationConflictException(TenantTermination existing)
    : InvalidOperationException($"Tenant '{existing.TenantId}' already has a termination that is {TenantTerminationText.Of(existing.State)}.")
{
    public TenantTermination Existing { get; } = existing;
}

/// <summary>The stored spellings of the states (<c>pending</c>, <c>approved</c>, ...).</summary>
public static class TenantTerminationText
{
    public static string Of(TenantTerminationState state) => state switch
    {
        TenantTerminationState.Pending => "pending",
        TenantTerminationState.Approved => "approved",
        TenantTerminationState.Executing => "executing",
        TenantTerminationState.Executed => "executed",
        _ => "cancelled",
    };

    public static TenantTerminationState Parse(string text) => text switch
    {
        "pending" => TenantTerminationState.Pending,
        "approved" => TenantTerminationState.Approved,
        "executing" => TenantTerminationState.Executing,
        "executed" => TenantTerminationState.Executed,
        "cancelled" => TenantTerminationState.Cancelled,
        _ => throw new InvalidDataException($"Unknown termination state '{text}'."),
    };
}
