namespace SaaSReference.Database.Audit;

/// <summary>What verify found on one chain. <see cref="FirstBadSeq"/> and <see cref="Problem"/> say where and what.</summary>
public sealed record AuditVerification(string Chain, bool Intact, long RecordsChecked, long LastSeq, int CheckpointsChecked,
    int CheckpointsWithUnknownKey, long? FirstBadSeq, string? Problem, int CheckpointsFromLog = 0);

/// <summary>
/// 12.4.2a: walks a chain from its first record, recomputing each hash and checking sequence continuity and the
/// link to the predecessor; then holds the chain against its signed checkpoints, which find a rewritten chain and
/// a deleted tail. The checkpoints are those in the database and, when configured, the copies in the checkpoint log
/// outside it (<see cref="AuditCheckpointLog"/>), which still find a tail deleted together with its checkpoints in the
/// database. Records after the newest checkpoint are protected by the chain only (docs/audit.md).
/// </summary>
public sealed class AuditVerifier(AuditStore store, AuditCheckpointKeys keys, AuditCheckpointLog? log = null)
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
        var checkpoints = new List<AuditCheckpoint>(await store.CheckpointsAsync(chain, cancellationToken));
        var fromLog = 0;
        if (log?.Directory is { } directory)
        {
            var read = await AuditCheckpointLog.ReadAsync(directory, chain, cancellationToken);
            if (read.UnreadableLines > 0)
            {
                return Bad(0, $"{read.UnreadableLines} lines of the checkpoint log in {directory} cannot be read (damaged or altered)");
            }
            fromLog = read.Checkpoints.Count;
            checkpoints.AddRange(read.Checkpoints);
        }
        foreach (var checkpoint in checkpoints)
        {
            switch (keys.Verify(checkpoint))
            {
                case true when trusted.TryGetValue(checkpoint.Seq, out var other) && !other.Hash.AsSpan().SequenceEqual(checkpoint.Hash):
                    return Bad(checkpoint.Seq, $"two signed checkpoints of seq {checkpoint.Seq} disagree (the chain was rewritten and signed again)");
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
            : new AuditVerification(chain, true, checkedCount, last, trusted.Count, unknown, null, null, fromLog);

        AuditVerification Bad(long seq, string problem) =>
            new(chain, false, checkedCount, expected - 1, trusted.Count, unknown, seq, problem, fromLog);
    }
}
