using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>
/// 12.4.2a: the writer copies every checkpoint it signs to the checkpoint log outside the database; a superuser who
/// deletes a chain's tail <em>and</em> its checkpoints in the database defeats a verify that reads only the database,
/// but not one that also reads the log (API and command line); a damaged log is reported, not ignored.
/// </summary>
public sealed class AuditCheckpointLogTests(AuditDatabase database) : IClassFixture<AuditDatabase>, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "saasref-checkpoints-" + Guid.NewGuid().ToString("N"));

    private AuditOptions Options(string? directory) => new() { CheckpointDirectory = directory, CheckpointSigningKey = null };

    /// <summary>Writes <paramref name="count"/> records through a writer that runs and stops, which signs its last checkpoint and logs it.</summary>
    private async Task WriteThroughTheWriterAsync(string tenant, int count)
    {
        var options = Microsoft.Extensions.Options.Options.Create(Options(_directory));
        using var writer = new AuditWriter(database.Store, database.Keys, new AuditCheckpointLog(options), options, TimeProvider.System,
            NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        foreach (var n in Enumerable.Range(1, count))
        {
            await writer.WriteNowAsync(AuditDatabase.Event(tenant, n));
        }
        await writer.StopAsync(CancellationToken.None);
    }

    private AuditVerifier Verifier(string? directory) =>
        new(database.Store, database.Keys, new AuditCheckpointLog(Microsoft.Extensions.Options.Options.Create(Options(directory))));

    [Fact]
    public async Task TailAndItsCheckpointsDeletedInTheDatabase_FoundOnlyWithTheLog()
    {
        await WriteThroughTheWriterAsync("log-tail", 5);
        var logged = await AuditCheckpointLog.ReadAsync(_directory, "tenant:log-tail");
        Assert.Equal(5, Assert.Single(logged.Checkpoints).Seq);

        await AuditDatabase.ExecuteAsync(database.SuperuserConnectionString, """
            BEGIN;
            ALTER TABLE platform.audit_events DISABLE TRIGGER USER;
            ALTER TABLE platform.audit_checkpoints DISABLE TRIGGER USER;
            DELETE FROM platform.audit_events WHERE chain = 'tenant:log-tail' AND seq >= 4;
            DELETE FROM platform.audit_checkpoints WHERE chain = 'tenant:log-tail';
            ALTER TABLE platform.audit_events ENABLE TRIGGER USER;
            ALTER TABLE platform.audit_checkpoints ENABLE TRIGGER USER;
            COMMIT;
            """);

        var databaseOnly = await Verifier(null).VerifyAsync("tenant:log-tail");
        var withLog = await Verifier(_directory).VerifyAsync("tenant:log-tail");

        Assert.True(databaseOnly.Intact); // the limit the log exists for
        Assert.False(withLog.Intact);
        Assert.Equal(4, withLog.FirstBadSeq);
        Assert.Contains("tail was deleted", withLog.Problem, StringComparison.Ordinal);
        Assert.Equal(1, withLog.CheckpointsFromLog);

        var command = Options(null);
        command.CheckpointPublicKeys.Add(Convert.ToBase64String(database.Keys.SigningPublicKey!));
        using var output = new StringWriter();
        Assert.Equal(0, await AuditVerifyCommand.RunAsync(["--chain", "tenant:log-tail"], database.ConnectionString, command, output));
        Assert.Equal(1, await AuditVerifyCommand.RunAsync(["--chain", "tenant:log-tail", "--checkpoints", _directory], database.ConnectionString, command, output));
        Assert.Equal(2, await AuditVerifyCommand.RunAsync(["--checkpoints", _directory + "-absent"], database.ConnectionString, command, output));
        Assert.Contains("BROKEN  tenant:log-tail: at seq 4", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IntactChain_WithTheLog_Intact_AndADamagedLogIsReported()
    {
        await WriteThroughTheWriterAsync("log-intact", 3);

        var intact = await Verifier(_directory).VerifyAsync("tenant:log-intact");
        Assert.True(intact.Intact, intact.Problem);
        Assert.Equal(1, intact.CheckpointsFromLog);

        var file = Assert.Single(Directory.GetFiles(_directory, "*.jsonl"));
        await File.AppendAllTextAsync(file, "{\"kind\":\"checkpoint\",\"chain\":\"tenant:log-intact\",\"seq\":\"not a number\"}\n");
        var damaged = await Verifier(_directory).VerifyAsync("tenant:log-intact");
        Assert.False(damaged.Intact);
        Assert.Contains("cannot be read", damaged.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedCheckpointInTheLog_Found()
    {
        await WriteThroughTheWriterAsync("log-forged", 2);
        var file = Assert.Single(Directory.GetFiles(_directory, "*.jsonl"));
        var line = (await File.ReadAllLinesAsync(file)).Single(l => l.Contains("tenant:log-forged", StringComparison.Ordinal));
        // Same signature, claimed for another seq: the signature no longer matches.
        await File.AppendAllTextAsync(file, line.Replace("\"seq\":2", "\"seq\":7", StringComparison.Ordinal) + "\n");

        var result = await Verifier(_directory).VerifyAsync("tenant:log-forged");

        Assert.False(result.Intact);
        Assert.Contains("invalid signature", result.Problem, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
