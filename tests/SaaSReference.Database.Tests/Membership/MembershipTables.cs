using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService;

namespace SaaSReference.Database.Tests.Membership;

/// <summary>The real Orleans 10.4.2 ADO.NET membership table, one cluster per test, and silo entries for it.</summary>
internal static class MembershipTables
{
    private static int _nextPort = 20000;

    public static async Task<AdoNetClusteringTable> CreateAsync(string connectionString, string? clusterId = null)
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId ?? $"membership-{Guid.NewGuid():N}", ServiceId = "membership-tests" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = "Npgsql", ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    /// <summary>Inserts a silo on the table's current version, as a joining silo would.</summary>
    public static async Task<bool> JoinAsync(this AdoNetClusteringTable table, MembershipEntry silo) =>
        await table.InsertRowAsync(silo, (await table.ReadAllAsync()).Version.Next());

    public static MembershipEntry NewEntry(SiloStatus status = SiloStatus.Active, DateTime? time = null)
    {
        var port = Interlocked.Increment(ref _nextPort);
        // Whole seconds: PostgreSQL keeps microseconds, .NET ticks are finer, and the tests compare round trips.
        var at = time ?? new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc).AddSeconds(port);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, port),
            SiloName = $"silo-{port}",
            HostName = "test-host",
            Status = status,
            ProxyPort = port + 10000,
            StartTime = at,
            IAmAliveTime = at,
        };
    }
}
