using System.Text.Json.Serialization;

namespace SaaSReference.Contracts.Quotas;

/// <summary>
/// What one tenant may consume (12.1.3a-c). Request rate is a token bucket: <see cref="RequestsPerSecond"/>
/// sustained, up to <see cref="Burst"/> at once. The other limits are counts and sizes.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QuotaLimits(
    [property: Id(0)] double RequestsPerSecond,
    [property: Id(1)] int Burst,
    [property: Id(2)] long RequestsPerDay,
    [property: Id(3)] long StorageBytes,
    [property: Id(4)] int ConcurrentOperations,
    [property: Id(5)] int Users,
    [property: Id(6)] int MachineClients);

/// <summary>
/// Per-tenant exceptions to its plan: each field that is set replaces the plan's value. Set only through the
/// four-eyes approval of a change request (6.1.2a, 12.1.2f).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QuotaOverrides(
    [property: Id(0)] double? RequestsPerSecond = null,
    [property: Id(1)] int? Burst = null,
    [property: Id(2)] long? RequestsPerDay = null,
    [property: Id(3)] long? StorageBytes = null,
    [property: Id(4)] int? ConcurrentOperations = null,
    [property: Id(5)] int? Users = null,
    [property: Id(6)] int? MachineClients = null)
{
    /// <summary>No exceptions: the plan as it is.</summary>
    public static QuotaOverrides None { get; } = new();

    /// <summary>Whether nothing is overridden.</summary>
    [JsonIgnore]
    public bool IsEmpty => this == None;

    /// <summary>The plan's limits with these exceptions applied.</summary>
    public QuotaLimits ApplyTo(QuotaLimits plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new QuotaLimits(
            RequestsPerSecond ?? plan.RequestsPerSecond,
            Burst ?? plan.Burst,
            RequestsPerDay ?? plan.RequestsPerDay,
            StorageBytes ?? plan.StorageBytes,
            ConcurrentOperations ?? plan.ConcurrentOperations,
            Users ?? plan.Users,
            MachineClients ?? plan.MachineClients);
    }
}

/// <summary>A plan tier: a name tenants are put on and the limits it grants.</summary>
[GenerateSerializer, Immutable]
public sealed record PlanDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] QuotaLimits Limits);
