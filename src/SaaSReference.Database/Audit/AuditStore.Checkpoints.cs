using Npgsql;

namespace SaaSReference.Database.Audit;

public sealed partial class AuditStore
{
    /// <summary>Chains whose newest record is not yet covered by a checkpoint: (chain, head seq, head hash).</summary>
    public async Task<IReadOnlyList<(string Chain, long Seq, byte[] Hash)>> UncheckpointedHeadsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT e.chain, e.seq, e.hash
            FROM (SELECT DISTINCT ON (chain) chain, seq, hash FROM platform.audit_events ORDER BY chain, seq DESC) e
            WHERE e.seq > COALESCE((SELECT max(c.seq) FROM platform.audit_checkpoints c WHERE c.chain = e.chain), 0)
            """);
        var heads = new List<(string, long, byte[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            heads.Add((reader.GetString(0), reader.GetInt64(1), (byte[])reader[2]));
        }
        return heads;
    }

    /// <summary>Stores a checkpoint; another silo's checkpoint of the same (chain, seq) wins quietly.</summary>
    public async Task AddCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO platform.audit_checkpoints (chain, seq, hash, signed_at, signature, key_id)
            VALUES (@chain, @seq, @hash, @signed_at, @signature, @key_id) ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("chain", checkpoint.Chain);
        command.Parameters.AddWithValue("seq", checkpoint.Seq);
        command.Parameters.AddWithValue("hash", checkpoint.Hash);
        command.Parameters.AddWithValue("signed_at", checkpoint.SignedAt.UtcDateTime);
        command.Parameters.AddWithValue("signature", checkpoint.Signature);
        command.Parameters.AddWithValue("key_id", checkpoint.KeyId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditCheckpoint>> CheckpointsAsync(string chain, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT chain, seq, hash, signed_at, signature, key_id FROM platform.audit_checkpoints WHERE chain = @chain ORDER BY seq");
        command.Parameters.AddWithValue("chain", chain);
        var checkpoints = new List<AuditCheckpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            checkpoints.Add(new AuditCheckpoint(reader.GetString(0), reader.GetInt64(1), (byte[])reader[2],
                new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero), (byte[])reader[4], reader.GetString(5)));
        }
        return checkpoints;
    }

    /// <summary>Signs and stores a checkpoint for every chain that grew since its last one; answers the checkpoints signed.</summary>
    public async Task<IReadOnlyList<AuditCheckpoint>> CheckpointAsync(AuditCheckpointKeys keys, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        var signed = new List<AuditCheckpoint>();
        foreach (var (chain, seq, hash) in await UncheckpointedHeadsAsync(cancellationToken))
        {
            var checkpoint = keys.Sign(chain, seq, hash, time.GetUtcNow());
            await AddCheckpointAsync(checkpoint, cancellationToken);
            signed.Add(checkpoint);
        }
        return signed;
    }
}
