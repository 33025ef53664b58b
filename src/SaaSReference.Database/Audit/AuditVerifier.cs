namespace SaaSReference.Database.Audit;

/// <summary>What verify found on one chain. <see cref="FirstBadSeq"/> and <see cref="Problem"/> say where and what.</summary>
public sealed record AuditVerification(string Chain, bool Intact, long RecordsChecked, long LastSeq, int CheckpointsChecked,
    int CheckpointsWithUnknownKey, long? FirstBadSeq, string? Problem);

/// <summary>
/// 12.4.2a: walks a chain from its first record, recomputing each hash and checking sequence continuity and the
/// link to the predecessor; then holds the chain against its signed checkpoints, which find a rewritten chain and
/// a deleted tail. Records after the newest checkpoint are protected by the chain only (docs/audit.md).
/// </summary>
public sealed class AuditVerifier(AuditStore store, AuditCheckpointKeys keys)
{
    private const int PageSize = 1000;

    public async Task<AuditVerification> VerifyAsync(string chain, CancellationToken cancellationToken = default)
    {
        if (!AuditChains.IsValid(chain))
        {
            throw new ArgumentException($"'{chain}' is not an audit chain.", nameof(chain));
        }
        var trusted = new Dictionary<long, AuditCheckpoint>();
        var unknown = 0;
        long checkedCount = 0, expected = 1;
        foreach (var checkpoint in await store.CheckpointsAsync(chain, cancellationToken))
        {
            switch (keys.Verify(checkpoint))
            {
                case true: trusted[checkpoint.Seq] = checkpoint; break;
                case false: return Bad(checkpoint.Seq, $"the checkpoint at seq {checkpoint.Seq} has an invalid signature (forged or altered)");
                default: unknown++; break;
            }
        }

        var previous = AuditHash.Genesis;
        while (true)
        {
            var page = await store.ReadChainAsync(chain, expected - 1, PageSize, cancellationToken);
            foreach (var record in page)
            {
                if (record.Seq != expected)
                {
                    return Bad(expected, $"records {expected} to {record.Seq - 1} are missing (deleted)");
                }
                if (!record.PrevHash.AsSpan().SequenceEqual(previous))
                {
                    return Bad(record.Seq, $"record {record.Seq} does not link to record {record.Seq - 1} (a record was inserted, deleted or reordered)");
                }
                if (!AuditHash.Compute(record).AsSpan().SequenceEqual(record.Hash))
                {
                    return Bad(record.Seq, $"record {record.Seq} does not match its hash (edited)");
                }
                if (trusted.TryGetValue(record.Seq, out var checkpoint) && !checkpoint.Hash.AsSpan().SequenceEqual(record.Hash))
                {
                    return Bad(record.Seq, $"record {record.Seq} differs from the signed checkpoint (the chain was rewritten from here or before)");
                }
                previous = record.Hash;
                checkedCount++;
                expected++;
            }
            if (page.Count < PageSize)
            {
                break;
            }
        }

        var last = expected - 1;
        var beyond = trusted.Keys.Where(seq => seq > last).DefaultIfEmpty().Max();
        return beyond > 0
            ? Bad(last + 1, $"the chain ends at seq {last} but a signed checkpoint covers seq {beyond} (the tail was deleted)")
            : new AuditVerification(chain, true, checkedCount, last, trusted.Count, unknown, null, null);

        AuditVerification Bad(long seq, string problem) =>
            new(chain, false, checkedCount, expected - 1, trusted.Count, unknown, seq, problem);
    }
}
