using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Grains.Tenants;

/// <summary>The persisted state of one tenant grain.</summary>
[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public string DisplayName { get; set; } = "";
    [Id(1)] public TenantStatus Status { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public string CreatedBy { get; set; } = "";

    /// <summary>False between persisting the tenant and recording it in the catalog; the grain repairs it.</summary>
    [Id(4)] public bool CatalogRecorded { get; set; }

    /// <summary>The plan's name; empty for a tenant stored before plans existed (it gets the default plan).</summary>
    [Id(5)] public string Plan { get; set; } = "";
    [Id(6)] public QuotaOverrides Overrides { get; set; } = QuotaOverrides.None;
    [Id(7)] public StatusReason Reason { get; set; }

    /// <summary>Grows with every change of status, plan or overrides (<see cref="TenantStanding.Revision"/>).</summary>
    [Id(8)] public long Revision { get; set; }

    /// <summary>False between persisting a change and publishing it to platform.tenant_limits; the grain repairs it.</summary>
    [Id(9)] public bool StandingPublished { get; set; }

    /// <summary>Status changes, newest last, at most <see cref="TenantGrain.MaxHistory"/>.</summary>
    [Id(10)] public List<StatusChange> History { get; set; } = [];

    [Id(11)] public DateOnly Day { get; set; }
    [Id(12)] public long RequestsToday { get; set; }
    [Id(13)] public long RejectedToday { get; set; }

    /// <summary>Bytes of the tenant's stored data, counted by reservations before each write (12.1.3b).</summary>
    [Id(14)] public long StoredBytes { get; set; }

    /// <summary>Abuse policy: violating windows in a row, and the start of the last window looked at.</summary>
    [Id(15)] public int ConsecutiveViolations { get; set; }
    [Id(16)] public DateTimeOffset LastViolationWindow { get; set; }
    [Id(17)] public DateTimeOffset LastJudgedWindow { get; set; }

    /// <summary>Where the tenant's notifications are also POSTed, set by its administrators.</summary>
    [Id(18)] public Uri? WebhookUrl { get; set; }

    /// <summary>16.1.7e: the region the tenant chose at creation; its data and backups stay there. Never changes.</summary>
    [Id(19)] public string? Region { get; set; }

    /// <summary>Whether its storage (schema and data key) is known to be provisioned; repaired at activation when not.</summary>
    [Id(20)] public bool StorageProvisioned { get; set; }
}
