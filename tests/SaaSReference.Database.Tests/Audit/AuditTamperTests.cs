using SaaSReference.Database.Audit;

namespace SaaSReference.Database.Tests.Audit;

/// <summary>
/// 12.4.2a: whatever a superuser does to the table with the triggers off (edit, delete, insert, reorder, truncate
/// the tail, rewrite the chain), verify finds it and says where. Each test uses a tenant chain of its own.
/// </summary>
public sealed class AuditTamperTests(AuditDatabase database) : IClassFixture<AuditDatabase>
{
    private async Task<AuditVerifier> ChainOfTenAsync(string tenant)
    {
        await database.Store.AppendAsync(Enumerable.Range(1, 10).Select(n => AuditDatabase.Event(tenant, n)).ToList());
        await database.Store.CheckpointAsync(database.Keys, TimeProvider.System);
        return new AuditVerifier(database.Store, database.Keys);
    }

    [Fact]
    public async Task Verify_Untouched_Intact()
    {
        var verifier = await ChainOfTenAsync("untouched");

        var result = await verifier.VerifyAsync("tenant:untouched");

        Assert.True(result.Intact, result.Problem);
        Assert.Equal((10L, 10L, 1), (result.RecordsChecked, result.LastSeq, result.CheckpointsChecked));
    }

    [Fact]
    public async Task Verify_RecordEdited_FoundAtThatSeq()
    {
        var verifier = await ChainOfTenAsync("edited");
        await database.TamperAsync("UPDATE platform.audit_events SET actor = 'mallory' WHERE chain = 'tenant:edited' AND seq = 4");

        var result = await verifier.VerifyAsync("tenant:edited");

        Assert.Equal(4, result.FirstBadSeq);
        Assert.Contains("edited", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RecordDeleted_FoundAtTheGap()
    {
        var verifier = await ChainOfTenAsync("deleted");
        await database.TamperAsync("DELETE FROM platform.audit_events WHERE chain = 'tenant:deleted' AND seq = 5");

        var result = await verifier.VerifyAsync("tenant:deleted");

        Assert.Equal(5, result.FirstBadSeq);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RecordInserted_FoundAfterTheInsertion()
    {
        var verifier = await ChainOfTenAsync("inserted");
        // Make room at seq 5 and insert a forged record that links correctly to seq 4.
        await database.TamperAsync("""
            UPDATE platform.audit_events SET seq = seq + 1000 WHERE chain = 'tenant:inserted' AND seq >= 5;
            UPDATE platform.audit_events SET seq = seq - 999 WHERE chain = 'tenant:inserted' AND seq > 1000;
            INSERT INTO platform.audit_events (chain, seq, at, type, severity, actor, tenant_id, target, outcome, fields, prev_hash, hash)
            SELECT chain, 5, at, type, severity, 'mallory', tenant_id, target, outcome, fields, hash, hash
            FROM platform.audit_events WHERE chain = 'tenant:inserted' AND seq = 4
            """);

        var result = await verifier.VerifyAsync("tenant:inserted");

        Assert.False(result.Intact);
        Assert.Equal(5, result.FirstBadSeq);
    }

    [Fact]
    public async Task Verify_RecordsReordered_FoundAtTheFirstMoved()
    {
        var verifier = await ChainOfTenAsync("reordered");
        await database.TamperAsync("""
            UPDATE platform.audit_events SET seq = 1000003 WHERE chain = 'tenant:reordered' AND seq = 3;
            UPDATE platform.audit_events SET seq = 3 WHERE chain = 'tenant:reordered' AND seq = 4;
            UPDATE platform.audit_events SET seq = 4 WHERE chain = 'tenant:reordered' AND seq = 1000003
            """);

        var result = await verifier.VerifyAsync("tenant:reordered");

        Assert.Equal(3, result.FirstBadSeq);
        Assert.Contains("does not link", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TailTruncated_FoundByCheckpoint()
    {
        var verifier = await ChainOfTenAsync("truncated");
        await database.TamperAsync("DELETE FROM platform.audit_events WHERE chain = 'tenant:truncated' AND seq >= 8");

        var result = await verifier.VerifyAsync("tenant:truncated");

        Assert.Equal(8, result.FirstBadSeq);
        Assert.Contains("tail was deleted", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ChainRewrittenWithValidHashes_FoundByCheckpoint()
    {
        var verifier = await ChainOfTenAsync("rewritten");
        // The attacker knows the (public) hash algorithm and recomputes every hash after the edit.
        var records = await database.Store.ReadChainAsync("tenant:rewritten", 0, 100);
        var previous = records[2].Hash;
        var updates = new List<string>();
        foreach (var record in records.Skip(3))
        {
            var forged = record with { Actor = record.Seq == 4 ? "mallory" : record.Actor, PrevHash = previous };
            forged = forged with { Hash = AuditHash.Compute(forged) };
            updates.Add($"UPDATE platform.audit_events SET actor = '{forged.Actor}', prev_hash = '\\x{Convert.ToHexStringLower(forged.PrevHash)}', " +
                $"hash = '\\x{Convert.ToHexStringLower(forged.Hash)}' WHERE chain = 'tenant:rewritten' AND seq = {forged.Seq}");
            previous = forged.Hash;
        }
        await database.TamperAsync(string.Join(";\n", updates));

        var result = await verifier.VerifyAsync("tenant:rewritten");

        Assert.Equal(10, result.FirstBadSeq);
        Assert.Contains("checkpoint", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_ConcurrentWritersOneChain_NoFork()
    {
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w =>
            Task.Run(async () =>
            {
                for (var i = 0; i < 10; i++)
                {
                    await database.Store.AppendAsync([AuditDatabase.Event("concurrent", i), AuditDatabase.Event("concurrent", i + 100)]);
                }
            })));

        var result = await new AuditVerifier(database.Store, database.Keys).VerifyAsync("tenant:concurrent");

        Assert.True(result.Intact, result.Problem);
        Assert.Equal(80, result.LastSeq);
    }
}
