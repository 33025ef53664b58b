using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database;
using SaaSReference.Database.Quotas;
using SaaSReference.Database.TenantData;

namespace SaaSReference.Grains.Tenants;

/// <summary>
/// The authority on one tenant: its existence, status, plan, overrides and usage counters (12.1.3a-c).
/// A create or a change is acknowledged only after the state is durably written through the ADO.NET storage
/// provider and the standing is published to <c>platform.tenant_limits</c>, from where every gateway and silo
/// learns of it at once; so no acknowledged change is lost when a silo dies, and a freeze is in force everywhere
/// when the call returns.
/// </summary>
/// <remarks>
/// Request counters are persisted at most every <see cref="UsageFlushInterval"/>: a silo failure can lose that
/// much counting (docs/quotas.md says why that is safe). Storage reservations are persisted before they are
/// granted: a granted byte is never forgotten.
/// </remarks>
public sealed partial class TenantGrain(
    [PersistentState("tenant", StorageNames.Platform)] IPersistentState<TenantState> state,
    TenantCatalogStore catalog,
    TenantLimitsStore limits,
    PlatformLimitsWatcher platform,
    NotificationOutbox outbox,
    TenantStorageProvisioner storage,
    TenantRegions regions,
    TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    public const int MaxHistory = 200;
    public const string AbusePolicyActor = "abuse-policy";

    private string TenantId => this.GetPrimaryKeyString();

    private PlatformSettings Settings => platform.Configuration.Settings;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.RecordExists)
        {
            return;
        }
        if (string.IsNullOrEmpty(state.State.Plan))
        {
            // Stored before plans existed: the default plan, published like any change.
            state.State.Plan = Settings.DefaultPlan;
            state.State.Revision++;
            state.State.StandingPublished = false;
            await state.WriteStateAsync(cancellationToken);
        }
        if (!state.State.CatalogRecorded)
        {
            await TryRecordInCatalogAsync(cancellationToken);
        }
        if (!state.State.StorageProvisioned && state.State.Status != TenantStatus.Terminated)
        {
            await TryProvisionStorageAsync(cancellationToken);
        }
        if (!state.State.StandingPublished)
        {
            await TryPublishAsync(cancellationToken);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (state.RecordExists && _lastUsageWrite != default)
        {
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public async Task<CreateTenantResult> CreateAsync(CreateTenantCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state.RecordExists)
        {
            if (!state.State.CatalogRecorded)
            {
                await TryRecordInCatalogAsync(CancellationToken.None);
            }
            if (!state.State.StorageProvisioned && state.State.Status != TenantStatus.Terminated)
            {
                // Idempotent: a create repeated after a half-done provisioning completes it.
                await ProvisionStorageAsync(CancellationToken.None);
            }
            return new CreateTenantResult(CreateTenantOutcome.AlreadyExists, Details());
        }
        var region = command.Region ?? regions.DefaultRegion;
        if (!regions.IsKnown(region))
        {
            throw new ArgumentException($"Region '{region}' is not one of {string.Join(", ", regions.Names)}.", nameof(command));
        }

        var displayName = command.DisplayName.Trim();
        if (displayName.Length is < 1 or > 200 || string.IsNullOrWhiteSpace(command.RequestedBy))
        {
            throw new ArgumentException("A tenant needs a display name of 1 to 200 characters and a requesting principal.", nameof(command));
        }

        var now = time.GetUtcNow();
        state.State = new TenantState
        {
            DisplayName = displayName,
            Status = TenantStatus.Active,
            CreatedAt = now,
            CreatedBy = command.RequestedBy,
            Plan = Settings.DefaultPlan,
            Revision = 1,
            Day = DateOnly.FromDateTime(now.UtcDateTime),
            Region = region,
        };
        await state.WriteStateAsync();
        // One call provisions the tenant: its schema in its region and its data key. A failure here leaves the tenant
        // created with its storage unprovisioned; the error reaches the caller, and a repeated create (or the next
        // activation) completes it.
        await ProvisionStorageAsync(CancellationToken.None);
        await TryRecordInCatalogAsync(CancellationToken.None);
        await TryPublishAsync(CancellationToken.None);
        return new CreateTenantResult(CreateTenantOutcome.Created, Details());
    }

    public Task<TenantDetails?> GetAsync() =>
        Task.FromResult(state.RecordExists ? Details() : null);

    public Task<TenantStanding?> GetStandingAsync() =>
        Task.FromResult(state.RecordExists ? Standing() : null);

    public async Task<TenantChangeResult> ChangeStatusAsync(StatusChangeCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!state.RecordExists)
        {
            return new(TenantChangeOutcome.NotFound, null, $"No tenant has id '{TenantId}'.");
        }
        if (string.IsNullOrWhiteSpace(command.Actor) || string.IsNullOrWhiteSpace(command.Note) || command.Note.Length > 500)
        {
            throw new ArgumentException("A status change needs an actor and a note of 1 to 500 characters.", nameof(command));
        }
        var from = state.State.Status;
        if (from == command.To)
        {
            await RepublishIfNeededAsync();
            return new(TenantChangeOutcome.Unchanged, Standing());
        }
        if (from == TenantStatus.Terminated)
        {
            return Refused("A terminated tenant never changes status again.");
        }
        // 6.1.2a, 12.1.2f: nobody lifts a freeze alone.
        if (from == TenantStatus.Frozen && (string.IsNullOrWhiteSpace(command.ApprovedBy) || command.ApprovedBy == command.Actor))
        {
            return Refused("Leaving the frozen status needs an approved change request (a second person).");
        }
        await ApplyStatusAsync(command.To, command.Reason, command.Note, command.Actor, command.ApprovedBy);
        return new(TenantChangeOutcome.Changed, Standing());
    }

    public async Task<TenantChangeResult> ChangePlanAsync(string plan, string actor, string approvedBy)
    {
        if (!state.RecordExists)
        {
            return new(TenantChangeOutcome.NotFound, null, $"No tenant has id '{TenantId}'.");
        }
        RequireApproval(actor, approvedBy);
        if (Settings.FindPlan(plan) is null)
        {
            return Refused($"There is no plan '{plan}' in configuration version {platform.Configuration.Version}.");
        }
        if (state.State.Plan == plan)
        {
            return new(TenantChangeOutcome.Unchanged, Standing());
        }
        var previous = state.State.Plan;
        state.State.Plan = plan;
        await CommitAsync();
        LogPlanChanged(logger, TenantId, previous, plan, actor, approvedBy);
        return new(TenantChangeOutcome.Changed, Standing());
    }

    public async Task<TenantChangeResult> SetOverridesAsync(QuotaOverrides overrides, string actor, string approvedBy)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        if (!state.RecordExists)
        {
            return new(TenantChangeOutcome.NotFound, null, $"No tenant has id '{TenantId}'.");
        }
        RequireApproval(actor, approvedBy);
        if (QuotaRules.Validate(overrides) is { Count: > 0 } errors)
        {
            return Refused(string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        if (state.State.Overrides == overrides)
        {
            return new(TenantChangeOutcome.Unchanged, Standing());
        }
        state.State.Overrides = overrides;
        await CommitAsync();
        LogOverridesChanged(logger, TenantId, actor, approvedBy);
        return new(TenantChangeOutcome.Changed, Standing());
    }

    public async Task<TenantChangeResult> SetWebhookAsync(Uri? url, string actor)
    {
        if (!state.RecordExists)
        {
            return new(TenantChangeOutcome.NotFound, null, $"No tenant has id '{TenantId}'.");
        }
        if (url is { IsAbsoluteUri: false })
        {
            throw new ArgumentException("A webhook address must be absolute.", nameof(url));
        }
        if (state.State.WebhookUrl == url)
        {
            return new(TenantChangeOutcome.Unchanged, Standing());
        }
        state.State.WebhookUrl = url;
        await state.WriteStateAsync();
        LogWebhookChanged(logger, TenantId, url is not null, actor);
        return new(TenantChangeOutcome.Changed, Standing());
    }

    public Task<Uri?> GetWebhookAsync() => Task.FromResult(state.RecordExists ? state.State.WebhookUrl : null);

    private QuotaLimits EffectiveLimits() => Standing().EffectiveLimits(Settings);

    private TenantStanding Standing()
    {
        var s = state.State;
        return new TenantStanding(TenantId, s.Status, s.Reason, string.IsNullOrEmpty(s.Plan) ? Settings.DefaultPlan : s.Plan, s.Overrides, s.Revision);
    }

    private TenantDetails Details() =>
        new(TenantId, state.State.DisplayName, state.State.Status, state.State.CreatedAt, state.State.CreatedBy, state.State.Region);

    private async Task ProvisionStorageAsync(CancellationToken cancellationToken)
    {
        // Tenants stored before regions existed get the default region once, kept for good.
        state.State.Region ??= regions.DefaultRegion;
        await storage.ProvisionAsync(TenantId, state.State.Region, state.State.CreatedBy, cancellationToken);
        state.State.StorageProvisioned = true;
        await state.WriteStateAsync(cancellationToken);
    }

    private async Task TryProvisionStorageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ProvisionStorageAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or InvalidOperationException or IOException)
        {
            LogProvisioningDeferred(logger, TenantId, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The storage of tenant {TenantId} is not provisioned yet; the next activation or create retries: {Reason}")]
    private static partial void LogProvisioningDeferred(ILogger logger, string tenantId, string reason);

    private TenantChangeResult Refused(string problem) => new(TenantChangeOutcome.Refused, Standing(), problem);

    private static void RequireApproval(string actor, string approvedBy)
    {
        // 6.1.2a: the grain refuses a one-person change even if a caller forgot the approval step.
        if (string.IsNullOrWhiteSpace(actor) || string.IsNullOrWhiteSpace(approvedBy) || actor == approvedBy)
        {
            throw new ArgumentException("This change needs a requester and a different approver (four-eyes).");
        }
    }

    private async Task ApplyStatusAsync(TenantStatus to, StatusReason reason, string note, string actor, string? approvedBy)
    {
        var s = state.State;
        var change = new StatusChange(time.GetUtcNow(), s.Status, to, reason, note, actor, approvedBy);
        s.Status = to;
        s.Reason = reason;
        s.History.Add(change);
        if (s.History.Count > MaxHistory)
        {
            s.History.RemoveRange(0, s.History.Count - MaxHistory);
        }
        await CommitAsync();
        await TryRecordInCatalogAsync(CancellationToken.None);
        LogStatusChanged(logger, TenantId, change.From, to, reason, actor, approvedBy);
        if (to is TenantStatus.Throttled or TenantStatus.Frozen)
        {
            await NotifyAsync(change);
        }
    }

    /// <summary>
    /// Persists a change of the standing and publishes it. If publishing fails the state is still durable with
    /// <see cref="TenantState.StandingPublished"/> false: the caller gets the error, and a retry or the next
    /// activation publishes it.
    /// </summary>
    private async Task CommitAsync()
    {
        state.State.Revision++;
        state.State.StandingPublished = false;
        await state.WriteStateAsync();
        await PublishAsync(CancellationToken.None);
    }

    private async Task RepublishIfNeededAsync()
    {
        if (!state.State.StandingPublished)
        {
            await PublishAsync(CancellationToken.None);
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        var standing = Standing();
        await limits.UpsertAsync(standing, time.GetUtcNow(), cancellationToken);
        // This silo knows at once; the others through the table's notification.
        platform.Observe(standing);
        state.State.StandingPublished = true;
        await state.WriteStateAsync(cancellationToken);
    }

    private async Task TryPublishAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
        {
            LogPublishDeferred(logger, exception, TenantId);
        }
    }

    private async Task NotifyAsync(StatusChange change)
    {
        var body = new { tenantId = TenantId, status = change.To, reason = change.Reason, note = change.Note, actor = change.Actor, at = change.At };
        var subject = $"Tenant {TenantId} is now {TenantLimitsStore.Text(change.To)}";
        try
        {
            await outbox.EnqueueAsync(TenantId, NotificationAudience.TenantAdmins, "tenant-status", subject, body, change.At);
            await outbox.EnqueueAsync(TenantId, NotificationAudience.Operators, "tenant-status", subject, body, change.At);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
        {
            // The change itself stands; the history keeps it for the usage page even if no one is told.
            LogNotificationFailed(logger, exception, TenantId);
        }
    }

    /// <summary>
    /// The state is already durable; a catalog failure must not fail the create. The flag stays false and the
    /// next activation or create of this tenant records it again (the upsert is idempotent).
    /// </summary>
    private async Task TryRecordInCatalogAsync(CancellationToken cancellationToken)
    {
        try
        {
            var s = state.State;
            await catalog.UpsertAsync(
                new TenantCatalogEntry(TenantId, s.DisplayName, TenantLimitsStore.Text(s.Status), s.CreatedAt, s.CreatedBy, time.GetUtcNow()),
                cancellationToken);
            s.CatalogRecorded = true;
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException)
        {
            LogCatalogDeferred(logger, exception, TenantId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId} is stored but not yet in the catalog; it will be recorded on its next activation.")]
    private static partial void LogCatalogDeferred(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tenant {TenantId}'s standing is stored but not yet published; it will be on the next change or activation.")]
    private static partial void LogPublishDeferred(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not queue the notifications of tenant {TenantId}'s status change.")]
    private static partial void LogNotificationFailed(ILogger logger, Exception exception, string tenantId);

    // Security events (the audit trail will consume them): who, what, why.
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Security event tenant.status-changed: tenant {TenantId} {From} -> {To} ({Reason}) by {Actor}, approved by {ApprovedBy}")]
    private static partial void LogStatusChanged(ILogger logger, string tenantId, TenantStatus from, TenantStatus to, StatusReason reason, string actor, string? approvedBy);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Security event tenant.plan-changed: tenant {TenantId} {From} -> {To} by {Actor}, approved by {ApprovedBy}")]
    private static partial void LogPlanChanged(ILogger logger, string tenantId, string from, string to, string actor, string approvedBy);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Security event tenant.webhook-changed: tenant {TenantId} webhook set {IsSet} by {Actor}")]
    private static partial void LogWebhookChanged(ILogger logger, string tenantId, bool isSet, string actor);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Security event tenant.overrides-changed: tenant {TenantId} by {Actor}, approved by {ApprovedBy}")]
    private static partial void LogOverridesChanged(ILogger logger, string tenantId, string actor, string approvedBy);
}
