using System.Text.Json;
using SaaSReference.Load.Cli;
using SaaSReference.Load.Scenarios;

namespace SaaSReference.Load.Tests;

/// <summary>
/// `tenant-storage` for real but tiny: the runner starts its own throwaway PostgreSQL (platform and two region databases)
/// and one silo on loopback, provisions 5 tenants, writes and reads a record in each, provisions them again. The accounting
/// is checked, not the timings (docs/tenant-storage-scale.md has the figures of a 1,000-tenant run).
/// </summary>
public sealed class TenantStorageSmokeTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), "load-tenant-storage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    [Fact]
    public async Task FiveTenants_ProvisionedInBothRegions_Readable_AndIdempotent()
    {
        var output = new StringWriter();
        var code = await LoadProgram.RunAsync(["tenant-storage", "--tenants", "5", "--copies", "2", "--duration", "3m", "--reports", _reports, "--plain"], output);
        var text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("tenants provisioned / failed: 5 / 0 (jp-east 3, jp-west 2)", text, StringComparison.Ordinal);
        Assert.Contains("tenant schemas in the region databases: jp-east 3, jp-west 2; storage provisioned in the catalog 5; data keys 5", text, StringComparison.Ordinal);
        Assert.Contains("sample tenants with a record written and read back: 5 / 5", text, StringComparison.Ordinal);
        Assert.Contains("provisioning again: answered 200 / failed: 5 / 0", text, StringComparison.Ordinal);

        var json = Directory.GetFiles(_reports, "report.json", SearchOption.AllDirectories).Single();
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var root = report.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean(), root.ToString());
        Assert.Equal(5, root.GetProperty("checks").GetArrayLength());
        var phases = root.GetProperty("phases");
        Assert.Equal(3, phases.GetArrayLength());
        // Exactly N provisioning requests, N repeats, and one collection, record and read per sample tenant.
        Assert.Equal(5, Step(phases[0], 0).GetProperty("ok").GetInt64());
        Assert.Equal(0, Step(phases[0], 0).GetProperty("failed").GetInt64());
        foreach (var step in Enumerable.Range(0, 3))
        {
            Assert.Equal(5, Step(phases[1], step).GetProperty("ok").GetInt64());
        }
        Assert.Equal(5, Step(phases[2], 0).GetProperty("ok").GetInt64());
        var connections = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("description").GetString()!.StartsWith("region connections", StringComparison.Ordinal));
        Assert.InRange(connections.GetProperty("actual").GetDouble(), 1, TenantStorageScenario.RegionPoolSize * TenantStorageScenario.PoolsPerRegion);
    }

    [Fact]
    public void Sample_SpreadsOverBothRegions_WithoutRepeats()
    {
        var sample = TenantStorageScenario.Sample(1000, 20);
        Assert.Equal(20, sample.Count);
        Assert.Equal(20, sample.Distinct().Count());
        Assert.Equal(10, sample.Count(i => i % 2 == 0));
        Assert.All(sample, i => Assert.InRange(i, 0, 999));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, TenantStorageScenario.Sample(5, 5));
    }

    private static JsonElement Step(JsonElement phase, int step) => phase.GetProperty("scenarios")[0].GetProperty("steps")[step];
}
