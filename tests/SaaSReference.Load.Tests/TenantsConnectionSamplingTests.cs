using SaaSReference.Testing;

namespace SaaSReference.Load.Tests;

/// <summary>
/// `tenants` watches the platform database's connections while it provisions (issue: "database connections in use"):
/// sampled from a real PostgreSQL, and a database that cannot be read says why without failing the provisioning.
/// </summary>
public sealed class TenantsConnectionSamplingTests(PostgresFixture postgres) : FakePlatformRun, IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task ConnectionString_Given_ConnectionsInUseSampled()
    {
        var (code, output) = await RunAsync("--connection-string", postgres.ConnectionString);

        Assert.True(code == 0, output);
        // At least the sampler's own connection is in use while it counts.
        Assert.Matches(@"database connections in use max / mean \| [1-9]\d* / \d", output);
        Assert.Equal(30, Platform.CreatedTenants.Count);
    }

    [Fact]
    public async Task DatabaseNotAnswering_NotMeasuredWithTheReason_TenantsStillCreated()
    {
        var port = SaaSReference.LocalInfrastructure.FreePort.Next();

        var (code, output) = await RunAsync("--connection-string", $"Host=127.0.0.1;Port={port};Username=u;Password=p;Database=d");

        Assert.True(code == 0, output);
        Assert.Contains($"database connections in use max / mean | not measured: the database at 127.0.0.1:{port} cannot be read", output, StringComparison.Ordinal);
        Assert.Equal(30, Platform.CreatedTenants.Count);
    }

    [Fact]
    public async Task DatabaseElsewhere_RefusedByTheGuard_NothingSentThere()
    {
        var (code, output) = await RunAsync("--connection-string", "Host=203.0.113.7;Port=5432;Username=u;Password=p;Database=d");

        Assert.True(code == 0, output);
        Assert.Contains("not measured: the database's host 203.0.113.7 is neither a loopback address", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TargetWithoutConnectionString_SaysWhatIsMissing()
    {
        var (code, output) = await RunAsync();

        Assert.True(code == 0, output);
        Assert.Contains("not measured: no --connection-string given for the --target deployment", output, StringComparison.Ordinal);
    }

    private Task<(int Code, string Output)> RunAsync(params string[] args) =>
        RunRunnerAsync(["tenants", "--tenants", "30", "--copies", "2", "--duration", "20s", .. args]);
}
