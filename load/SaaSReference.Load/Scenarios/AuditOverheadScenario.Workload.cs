using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Records;
using SaaSReference.Contracts.TenantData;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Engine;
using SaaSReference.Load.Reports;
using SaaSReference.Load.Stats;
using SaaSReference.LocalInfrastructure;
using SaaSReference.Testing;

namespace SaaSReference.Load.Scenarios;

/// <summary>The tenants, records and grains the audit-overhead benchmark calls.</summary>
public sealed partial class AuditOverheadScenario
{
    /// <summary>
    /// The tenants and the callers' slots. A caller takes a free slot for each call (there are as many slots as callers, so one
    /// is always free) and gives it back after: a record grain sees one call at a time, and a tenant at most its share of the
    /// callers, within its plan's concurrent operations.
    /// </summary>
    private sealed class Workload
    {
        private readonly ConcurrentQueue<int> _free;
        private long _sent;

        private Workload(IReadOnlyList<string> tenants, int slots, int concurrentLimit)
        {
            Tenants = tenants;
            Slots = slots;
            ConcurrentLimit = concurrentLimit;
            _free = new ConcurrentQueue<int>(Enumerable.Range(0, slots));
        }

        public IReadOnlyList<string> Tenants { get; }

        public int Slots { get; }

        public int ConcurrentLimit { get; }

        /// <summary>Recorded calls sent so far (puts and rotation starts, whatever their outcome).</summary>
        public long Sent => Interlocked.Read(ref _sent);

        public string TenantOf(int slot) => Tenants[slot % Tenants.Count];

        public static string RecordId(int slot) => string.Create(CultureInfo.InvariantCulture, $"s{slot:D4}");

        /// <summary>Grain references of this client: each slot's record, each slot's tenant's key rotation.</summary>
        public (ITenantRecordGrain[] Records, ITenantKeyRotationGrain[] Rotations) Grains(IClusterClient client) =>
            ([.. Enumerable.Range(0, Slots).Select(s => client.GetGrain<ITenantRecordGrain>(RecordNames.Key(TenantOf(s), Collection, RecordId(s))))],
             [.. Enumerable.Range(0, Slots).Select(s => client.GetGrain<ITenantKeyRotationGrain>(TenantOf(s)))]);

        /// <summary>
        /// Creates the tenants (through the silo's API, as operator) with the collection, enough of them for the callers to stay
        /// within the plan's concurrent operations per tenant; writes each slot's record once (so that every measured put
        /// replaces one of the same size) and brings each tenant's key rotation to the version its data is on.
        /// </summary>
        public static async Task<Workload> SetUpAsync(IClusterClient client, HttpClient http, string operatorKey, int copies, int? minimumTenants,
            TextWriter output, CancellationToken cancellationToken)
        {
            var first = TenantId(0);
            await PlatformApi.EnsureTenantAsync(http, operatorKey, first, cancellationToken, Collection);
            var usage = await client.GetGrain<ITenantGrain>(first).GetUsageAsync()
                ?? throw new InvalidOperationException($"Tenant {first} was created but its usage cannot be read.");
            var limit = usage.Limits.ConcurrentOperations;
            var count = Math.Max(minimumTenants ?? 1, (copies + limit - 1) / limit);
            output.WriteLine($"audit-overhead: {count} tenants (plan '{usage.Plan}': {limit} concurrent operations each), {copies} records ...");
            var tenants = Enumerable.Range(0, count).Select(TenantId).ToList();
            foreach (var tenant in tenants.Skip(1))
            {
                await PlatformApi.EnsureTenantAsync(http, operatorKey, tenant, cancellationToken, Collection);
            }
            var workload = new Workload(tenants, copies, limit);
            var (records, rotations) = workload.Grains(client);
            for (var slot = 0; slot < copies; slot++)
            {
                var result = await workload.PutAsync(records[slot], 0);
                if (result.Outcome is not (RecordWriteOutcome.Created or RecordWriteOutcome.Replaced))
                {
                    throw new InvalidOperationException($"Writing record {RecordId(slot)} of tenant {workload.TenantOf(slot)} came out {result.Outcome}.");
                }
            }
            foreach (var tenant in tenants)
            {
                var rotation = client.GetGrain<ITenantKeyRotationGrain>(tenant);
                Interlocked.Increment(ref workload._sent);
                var progress = await rotation.StartAsync(DataKeyVersion, Actor);
                var deadline = DateTime.UtcNow + RotationTimeout;
                while (progress.Status != TenantKeyRotationStatus.Completed)
                {
                    if (progress.Status == TenantKeyRotationStatus.Failed || DateTime.UtcNow > deadline)
                    {
                        throw new InvalidOperationException($"The key rotation of tenant {tenant} to version {DataKeyVersion} is {progress.Status}: {progress.Problem}");
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                    progress = await rotation.GetProgressAsync();
                }
            }
            return workload;
        }

        public async Task<StepResult> CallAsync(string call, (ITenantRecordGrain[] Records, ITenantKeyRotationGrain[] Rotations) grains, long iteration)
        {
            if (!_free.TryDequeue(out var slot))
            {
                // Cannot happen in the closed model (never more calls in flight than slots); reported rather than hidden.
                return StepResult.Fail(-1, "no free slot: more calls in flight than callers");
            }
            try
            {
                if (call == Calls[0])
                {
                    var result = await PutAsync(grains.Records[slot], iteration);
                    return result.Outcome is RecordWriteOutcome.Created or RecordWriteOutcome.Replaced
                        ? StepResult.Ok() : StepResult.Fail(409, "put came out " + result.Outcome);
                }
                Interlocked.Increment(ref _sent);
                var progress = await grains.Rotations[slot].StartAsync(DataKeyVersion, Actor);
                // Anything but the finished rotation would mean the call did real work: not the call this measures.
                return progress.Status == TenantKeyRotationStatus.Completed && progress.TargetVersion >= DataKeyVersion
                    ? StepResult.Ok() : StepResult.Fail(500, "rotation is " + progress.Status);
            }
            catch (TenantQuotaException e)
            {
                return StepResult.Fail(429, "refused: " + e.Kind);
            }
            catch (TenantDataUnavailableException e)
            {
                return StepResult.Fail(503, "tenant data unavailable: " + e.Reason);
            }
            finally
            {
                _free.Enqueue(slot);
            }
        }

        /// <summary>The same size every time (a sequence number of fixed width), so that no put changes the stored bytes.</summary>
        private Task<RecordWriteResult> PutAsync(ITenantRecordGrain record, long sequence)
        {
            Interlocked.Increment(ref _sent);
            return record.PutAsync(new RecordContent(string.Create(CultureInfo.InvariantCulture, $"{{\"n\":\"{sequence:D12}\"}}"), Actor));
        }

        private static string TenantId(int index) => string.Create(CultureInfo.InvariantCulture, $"ao-{index + 1:D2}");
    }
}
