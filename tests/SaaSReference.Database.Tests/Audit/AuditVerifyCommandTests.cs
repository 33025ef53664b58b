using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>12.4.2a: the command-line verify says intact or where a chain is broken, by its exit code and its output.</summary>
public sealed class AuditVerifyCommandTests(AuditDatabase database) : IClassFixture<AuditDatabase>
{
    [Fact]
    public async Task Verify_IntactThenEdited_ExitCodeAndWhere()
    {
        await database.Store.AppendAsync(Enumerable.Range(1, 5).Select(n => AuditDatabase.Event("cli-chain", n)).ToList());
        await database.Store.CheckpointAsync(database.Keys, TimeProvider.System);
        var options = new AuditOptions();
        options.CheckpointPublicKeys.Add(Convert.ToBase64String(database.Keys.SigningPublicKey!));

        using (var intact = new StringWriter())
        {
            Assert.Equal(0, await AuditVerifyCommand.RunAsync(["--chain", "tenant:cli-chain"], database.ConnectionString, options, intact));
            Assert.Contains("intact  tenant:cli-chain: 5 records, last seq 5, 1 checkpoints (0 with an unknown key, 0 read from the log)", intact.ToString(), StringComparison.Ordinal);
        }

        await database.TamperAsync("UPDATE platform.audit_events SET outcome = 'forged' WHERE chain = 'tenant:cli-chain' AND seq = 3");
        using var broken = new StringWriter();
        Assert.Equal(1, await AuditVerifyCommand.RunAsync([], database.ConnectionString, options, broken));
        Assert.Contains("BROKEN  tenant:cli-chain: at seq 3", broken.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BadArguments_ExitCode2()
    {
        using var output = new StringWriter();
        Assert.Equal(2, await AuditVerifyCommand.RunAsync(["--chain", "nonsense"], database.ConnectionString, new AuditOptions(), output));
        Assert.Equal(2, await AuditVerifyCommand.RunAsync(["--frobnicate"], database.ConnectionString, new AuditOptions(), output));
        Assert.Equal(2, await AuditVerifyCommand.RunAsync([], null, new AuditOptions(), output));
        Assert.Contains("usage:", output.ToString(), StringComparison.Ordinal);
    }
}
