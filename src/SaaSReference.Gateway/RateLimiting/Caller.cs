using System.Net;
using System.Net.Sockets;

namespace SaaSReference.Gateway.RateLimiting;

public enum CallerKind
{
    /// <summary>No valid token or session: limited per client address.</summary>
    Anonymous,

    /// <summary>A tenant's user or machine client: limited by the tenant's plan, all its callers together.</summary>
    Tenant,

    /// <summary>Platform staff (a platform role, no tenant): limited per subject.</summary>
    Staff,
}

/// <summary>Whom a request is charged to. <see cref="Id"/> is the tenant id, the staff subject or the client address.</summary>
public readonly record struct Caller(CallerKind Kind, string Id)
{
    public string? TenantId => Kind == CallerKind.Tenant ? Id : null;

    public static Caller Tenant(string tenantId) => new(CallerKind.Tenant, tenantId);

    public static Caller Staff(string subject) => new(CallerKind.Staff, subject);

    /// <summary>
    /// The connection's own remote address, never X-Forwarded-For (a client could write anything there). IPv6
    /// callers are grouped by /64, the smallest block a host is usually given: otherwise one machine could take a
    /// fresh address, and a fresh bucket, for every request.
    /// </summary>
    public static Caller Anonymous(IPAddress? remote)
    {
        if (remote is null)
        {
            return new(CallerKind.Anonymous, "unknown");
        }
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }
        if (remote.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = remote.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new(CallerKind.Anonymous, new IPAddress(bytes) + "/64");
        }
        return new(CallerKind.Anonymous, remote.ToString());
    }
}
