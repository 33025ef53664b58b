using System.Text;
using SaaSReference.Database.Audit;
using SaaSReference.Database.Audit.Export;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>
/// 12.4.2b: a signed JSON Lines export of one tenant's chain, or of one privileged user's acts, verifies offline with
/// the platform's public key; whatever is done to the file afterwards (a record edited, deleted, inserted, reordered,
/// the file cut short or extended, re-signed with another key) is found and the line named; a chain tampered with in
/// the database before the export is found too.
/// </summary>
public sealed class AuditExportTests(AuditDatabase database) : IClassFixture<AuditDatabase>
{
    private static readonly DateTimeOffset Exported = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private async Task<string> ExportAsync(AuditExportScope scope, string subject, DateTimeOffset? from = null, DateTimeOffset? to = null,
        AuditCheckpointKeys? keys = null)
    {
        var exporter = new AuditExporter(database.DataSource, keys ?? database.Keys);
        await using var selection = await exporter.SelectAsync(new AuditExportHeader(scope, subject, from, to, Exported, "auditor-1"));
        using var output = new MemoryStream();
        await exporter.WriteAsync(selection, output);
        Assert.Equal(selection.Records, (await VerifyAsync(Encoding.UTF8.GetString(output.ToArray()), keys)).Records);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private Task<AuditExportVerification> VerifyAsync(string export, AuditCheckpointKeys? trusted = null) =>
        AuditExportVerifier.VerifyAsync(new MemoryStream(Encoding.UTF8.GetBytes(export)), trusted ?? database.Keys);

    private async Task ChainAsync(string tenant, int count = 10)
    {
        await database.Store.AppendAsync(Enumerable.Range(1, count).Select(n => AuditDatabase.Event(tenant, n)).ToList());
        await database.Store.CheckpointAsync(database.Keys, TimeProvider.System);
    }

    private static List<string> Lines(string export) => [.. export.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static string Join(IEnumerable<string> lines) => string.Concat(lines.Select(line => line + "\n"));

    [Fact]
    public async Task TenantExport_Untouched_VerifiesWithEveryRecordAndCheckpoint()
    {
        await ChainAsync("export-whole");

        var export = await ExportAsync(AuditExportScope.Tenant, "export-whole");
        var result = await VerifyAsync(export);

        Assert.True(result.Valid, result.Problem);
        Assert.Equal(("tenant", "export-whole", 10L, 1, database.Keys.SigningKeyId), (result.Scope, result.Subject, result.Records, result.Checkpoints, result.SignedBy));
        var lines = Lines(export);
        Assert.Equal(1 + 1 + 10 + 1, lines.Count);
        Assert.Contains("\"kind\":\"header\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"checkpoint\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"signature\"", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains("export-other", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenantExport_OtherTenantsRecords_NeverIncluded()
    {
        await ChainAsync("export-mine", 3);
        await ChainAsync("export-theirs", 3);

        var export = await ExportAsync(AuditExportScope.Tenant, "export-mine");

        Assert.Equal(3, Lines(export).Count(line => line.Contains("\"kind\":\"record\"", StringComparison.Ordinal)));
        Assert.DoesNotContain("export-theirs", export, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edit", 7, "does not match its hash")]
    [InlineData("delete", 7, "missing")]
    [InlineData("reorder", 7, "reordered")]
    [InlineData("duplicate", 8, "reordered or repeated")]
    public async Task TenantExport_RecordLineChangedAfterExport_Found(string change, int line, string expected)
    {
        await ChainAsync("export-" + change);
        var lines = Lines(await ExportAsync(AuditExportScope.Tenant, "export-" + change));
        // lines: 0 header, 1 checkpoint, 2..11 records 1..10, 12 signature
        switch (change)
        {
            case "edit": lines[6] = lines[6].Replace("user-a", "user-b", StringComparison.Ordinal); break;
            case "delete": lines.RemoveAt(6); break;
            case "reorder": (lines[6], lines[7]) = (lines[7], lines[6]); break;
            case "duplicate": lines.Insert(7, lines[6]); break;
        }

        var result = await VerifyAsync(Join(lines));

        Assert.False(result.Valid);
        Assert.Equal(line, result.Line);
        Assert.Contains(expected, result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantExport_LastRecordDropped_OnlyTheSignatureCanTell_Found()
    {
        await ChainAsync("export-rehashed", 3);
        var lines = Lines(await ExportAsync(AuditExportScope.Tenant, "export-rehashed"));
        // Drop the last record: the chain stays consistent, only the signature can tell.
        lines.RemoveAt(lines.Count - 2);

        var result = await VerifyAsync(Join(lines));

        Assert.False(result.Valid);
        Assert.Contains("not the ones signed", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantExport_CutShortOrExtended_Found()
    {
        await ChainAsync("export-cut", 4);
        var lines = Lines(await ExportAsync(AuditExportScope.Tenant, "export-cut"));

        var cut = await VerifyAsync(Join(lines.Take(lines.Count - 1)));
        var extended = await VerifyAsync(Join(lines.Append(lines[2])));
        var empty = await VerifyAsync("");

        Assert.Contains("truncated", cut.Problem, StringComparison.Ordinal);
        Assert.Contains("appended", extended.Problem, StringComparison.Ordinal);
        Assert.Equal(lines.Count + 1, extended.Line);
        Assert.Contains("empty", empty.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_SignedByAnUntrustedKey_Refused()
    {
        await ChainAsync("export-forger", 2);
        using var forger = new AuditCheckpointKeys(AuditCheckpointKeys.NewPrivateKey());
        var forged = await ExportAsync(AuditExportScope.Tenant, "export-forger", keys: forger);

        var result = await VerifyAsync(forged);

        Assert.False(result.Valid);
        Assert.Equal(forger.SigningKeyId, result.SignedBy);
        Assert.Contains("not among the trusted", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantExport_ChainRewrittenInTheDatabase_FoundAgainstTheCheckpoint()
    {
        await ChainAsync("export-rewritten", 5);
        // A superuser edits record 5 and recomputes its hash: consistent as a chain, but not with the signed checkpoint.
        await database.TamperAsync("UPDATE platform.audit_events SET outcome = 'failed' WHERE chain = 'tenant:export-rewritten' AND seq = 5");
        var stored = (await database.Store.ReadChainAsync("tenant:export-rewritten", 4, 1))[0];
        await database.TamperAsync(
            $"UPDATE platform.audit_events SET hash = '\\x{Convert.ToHexStringLower(AuditHash.Compute(stored))}' WHERE chain = 'tenant:export-rewritten' AND seq = 5");

        var exporter = new AuditExporter(database.DataSource, database.Keys);
        await using var selection = await exporter.SelectAsync(new AuditExportHeader(AuditExportScope.Tenant, "export-rewritten", null, null, Exported, "auditor-1"));
        using var output = new MemoryStream();
        await exporter.WriteAsync(selection, output);
        var result = await AuditExportVerifier.VerifyAsync(new MemoryStream(output.ToArray()), database.Keys);

        Assert.False(result.Valid);
        Assert.Contains("differs from the signed checkpoint", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantExport_Period_ContiguousRangeOnly()
    {
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await database.Store.AppendAsync(Enumerable.Range(1, 6).Select(n => new AuditEvent(AuditEventTypes.GrainStateChanged, "user-a", "export-period",
            $"records/{n}", "success", new Dictionary<string, string> { ["grain"] = "g", ["method"] = "PutAsync", ["durationMs"] = "1" },
            start.AddDays(n))).ToList());

        var export = await ExportAsync(AuditExportScope.Tenant, "export-period", start.AddDays(2), start.AddDays(5));
        var result = await VerifyAsync(export);

        Assert.True(result.Valid, result.Problem);
        Assert.Equal(3, result.Records);
        Assert.Contains("\"seq\":2", export, StringComparison.Ordinal);
        Assert.DoesNotContain("\"seq\":5", export, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActorExport_OnlyThatUsersActsAcrossChains_Verifies()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        await database.Store.AppendAsync(
        [
            AuditDatabase.Event("actor-t1", 1, "op-mallory"), AuditDatabase.Event("actor-t1", 2, "user-x"), AuditDatabase.Event("actor-t1", 3, "op-mallory"),
            AuditDatabase.Event("actor-t2", 1, "op-mallory"), AuditDatabase.Event(null, 1, "op-mallory"), AuditDatabase.Event("actor-t2", 2, "op-other"),
        ]);

        var export = await ExportAsync(AuditExportScope.Actor, "op-mallory", at, DateTimeOffset.UtcNow.AddMinutes(1));
        var result = await VerifyAsync(export);

        Assert.True(result.Valid, result.Problem);
        Assert.Equal(("actor", "op-mallory", 4L), (result.Scope, result.Subject, result.Records));
        Assert.DoesNotContain("user-x", export, StringComparison.Ordinal);
        Assert.DoesNotContain("op-other", export, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActorExport_ARecordOfSomeoneElseSlippedIn_Found()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        await database.Store.AppendAsync([AuditDatabase.Event("actor-t3", 1, "op-eve"), AuditDatabase.Event("actor-t3", 2, "op-eve")]);
        var export = await ExportAsync(AuditExportScope.Actor, "op-eve", at, DateTimeOffset.UtcNow.AddMinutes(1));

        var result = await VerifyAsync(export.Replace("\"actor\":\"op-eve\",\"tenantId\":\"actor-t3\",\"target\":\"records/2\"",
            "\"actor\":\"op-bob\",\"tenantId\":\"actor-t3\",\"target\":\"records/2\"", StringComparison.Ordinal));

        Assert.False(result.Valid);
        Assert.Contains("not an act of the exported user", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyCommand_ExitCodes()
    {
        await ChainAsync("export-cli", 2);
        var file = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");
        try
        {
            await File.WriteAllTextAsync(file, await ExportAsync(AuditExportScope.Tenant, "export-cli"));
            var key = Convert.ToBase64String(database.Keys.SigningPublicKey!);
            var output = new StringWriter();

            var intact = await AuditExportVerifyCommand.RunAsync([file, "--public-key", key], [], output);
            var untrusted = await AuditExportVerifyCommand.RunAsync([file], [], output);
            var configured = await AuditExportVerifyCommand.RunAsync([file], [key], output);
            await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("user-a", "user-z", StringComparison.Ordinal));
            var broken = await AuditExportVerifyCommand.RunAsync([file, "--public-key", key], [], output);
            var noFile = await AuditExportVerifyCommand.RunAsync([], [], output);
            var missing = await AuditExportVerifyCommand.RunAsync([file + ".absent"], [], output);
            var badKey = await AuditExportVerifyCommand.RunAsync([file, "--public-key", "not base64!"], [], output);

            Assert.Equal((0, 1, 0, 1, 2, 2, 2), (intact, untrusted, configured, broken, noFile, missing, badKey));
            Assert.Contains("intact  tenant export-cli: 2 records", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("BROKEN  line 3:", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
