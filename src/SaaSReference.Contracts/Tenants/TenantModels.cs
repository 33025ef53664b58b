namespace SaaSReference.Contracts.Tenants;

/// <summary>A tenant's lifecycle state. Only <see cref="Active"/> is set today; the quota and storage features move tenants through the others.</summary>
[GenerateSerializer]
public enum TenantStatus
{
    /// <summary>In normal use.</summary>
    Active = 0,
    /// <summary>Over its limits: requests are slowed or refused.</summary>
    Throttled = 1,
    /// <summary>Suspended: refused everywhere, data intact.</summary>
    Frozen = 2,
    /// <summary>Ended: data destroyed after the grace period.</summary>
    Terminated = 3,
}

/// <summary>What a caller asks for when creating a tenant.</summary>
/// <param name="DisplayName">Human-readable name, 1 to 200 characters after trimming.</param>
/// <param name="RequestedBy">The authenticated principal that asked (from the validated credential, never from the request body).</param>
/// <param name="Region">16.1.7e: the region chosen for the tenant's data and backups; null for the platform's default region.</param>
[GenerateSerializer, Immutable]
public sealed record CreateTenantCommand(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] string RequestedBy,
    [property: Id(2)] string? Region = null);

/// <summary>A tenant as the platform reports it.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantDetails(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] TenantStatus Status,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] string CreatedBy,
    [property: Id(5)] string? Region = null);

/// <summary>The outcome of <see cref="ITenantGrain.CreateAsync"/>.</summary>
[GenerateSerializer]
public enum CreateTenantOutcome
{
    /// <summary>The tenant was created and its state persisted.</summary>
    Created = 0,

    /// <summary>A tenant with this id exists already; nothing was changed.</summary>
    AlreadyExists = 1,
}

/// <summary>The outcome of a create, with the tenant as it is now stored.</summary>
[GenerateSerializer, Immutable]
public sealed record CreateTenantResult(
    [property: Id(0)] CreateTenantOutcome Outcome,
    [property: Id(1)] TenantDetails Tenant);
