using Yarp.ReverseProxy.Model;

namespace SaaSReference.Gateway.Apis;

/// <summary>What <c>GET /health</c> answers.</summary>
/// <param name="Status">Healthy: every destination in rotation; Degraded: some out, every cluster still served;
/// Unhealthy: some cluster has no destination in rotation.</param>
/// <param name="Clusters">Every cluster, ordered by id.</param>
public sealed record GatewayHealthReport(string Status, IReadOnlyList<ClusterHealthReport> Clusters)
{
    public const string Healthy = "Healthy";
    public const string Degraded = "Degraded";
    public const string Unhealthy = "Unhealthy";

    public static GatewayHealthReport From(IEnumerable<ClusterState> clusters)
    {
        var reports = clusters.OrderBy(c => c.ClusterId, StringComparer.Ordinal).Select(ClusterHealthReport.From).ToList();
        var status = reports.Any(c => c.Available == 0) ? Unhealthy
            : reports.Any(c => c.Available < c.Destinations.Count) ? Degraded
            : Healthy;
        return new GatewayHealthReport(status, reports);
    }
}

/// <summary>One cluster: how many of its destinations are in rotation, and each destination's state.</summary>
/// <param name="Id">The cluster id from the ReverseProxy configuration.</param>
/// <param name="Available">Destinations in rotation, i.e. that the load balancer may choose.</param>
/// <param name="Destinations">Every destination, ordered by id.</param>
public sealed record ClusterHealthReport(string Id, int Available, IReadOnlyList<DestinationHealthReport> Destinations)
{
    public static ClusterHealthReport From(ClusterState cluster)
    {
        var available = cluster.DestinationsState.AvailableDestinations;
        var destinations = cluster.Destinations.Values
            .OrderBy(d => d.DestinationId, StringComparer.Ordinal)
            .Select(d => new DestinationHealthReport(
                d.DestinationId,
                d.Model.Config.Address,
                d.Health.Active.ToString(),
                d.Health.Passive.ToString(),
                available.Contains(d)))
            .ToList();
        return new ClusterHealthReport(cluster.ClusterId, destinations.Count(d => d.InRotation), destinations);
    }
}

/// <summary>One destination.</summary>
/// <param name="Id">The destination id from the configuration.</param>
/// <param name="Address">Where requests are forwarded.</param>
/// <param name="Active">Result of the active probes: Unknown (not probed yet), Healthy or Unhealthy.</param>
/// <param name="Passive">Result of watching real traffic: Unknown, Healthy or Unhealthy (until reactivation).</param>
/// <param name="InRotation">Whether the load balancer may choose it now.</param>
public sealed record DestinationHealthReport(string Id, string Address, string Active, string Passive, bool InRotation);
