using System.Text.Json;
using Microsoft.Extensions.Options;
using SaaSReference.Database.Audit;

namespace SaaSReference.Database.TenantData.Export;

/// <summary>
/// The audit part of an evidence archive (16.1.7b, 18.1.3b): the tenant's own audit chain (<c>tenant:{id}</c>) from its
/// first record, each record with the fields its hash covers and the hash-chain links, the signed checkpoints of that chain
/// and the public keys that verify them, so that an authority can check the records without trusting the platform's
/// database. Only that chain is read: every record of it has the tenant's id (checked again here, and a record that has
/// not is never written). When the exported chain checks out and its head has no checkpoint yet, one is signed now, so
/// the whole export is covered by a signature.
/// </summary>
public sealed class TenantEvidenceAuditWriter(AuditStore store, AuditCheckpointKeys keys, IOptions<AuditOptions> options, TimeProvider time)
{
    private const int PageSize = 1000;

    internal async Task<TenantEvidenceAuditSummary> WriteAsync(ArchiveBuilder archive, string tenantId, CancellationToken cancellationToken)
    {
        var chain = AuditChains.Of(tenantId);
        var checkpoints = (await store.CheckpointsAsync(chain, cancellationToken)).ToList();
        var verified = checkpoints.Where(c => keys.Verify(c) == true).ToDictionary(c => c.Seq);
        var forged = checkpoints.Where(c => keys.Verify(c) == false).Select(c => c.Seq).DefaultIfEmpty(long.MaxValue).Min();

        long count = 0, expected = 1;
        var previous = AuditHash.Genesis;
        long? firstBad = null;
        string? problem = null;
        void Bad(long seq, string why)
        {
            if (firstBad is null)
            {
                firstBad = seq;
                problem = why;
            }
        }

        await archive.WriteEntryAsync(TenantArchiveFormat.AuditEventsPath, async (stream, token) =>
        {
            using var lines = new JsonLinesWriter(stream);
            while (true)
            {
                var page = await store.ReadChainAsync(chain, expected - 1, PageSize, token);
                foreach (var record in page)
                {
                    // 16.1.7a: nothing of another tenant, ever, even if the chain were corrupted to hold it.
                    if (record.Chain != chain || record.TenantId != tenantId)
                    {
                        throw new InvalidOperationException($"Audit chain {chain} holds a record of another tenant at seq {record.Seq}; the evidence is not produced.");
                    }
                    if (record.Seq != expected)
                    {
                        Bad(expected, $"records {expected} to {record.Seq - 1} are missing (deleted)");
                    }
                    else if (!record.PrevHash.AsSpan().SequenceEqual(previous))
                    {
                        Bad(record.Seq, $"record {record.Seq} does not link to record {record.Seq - 1}");
                    }
                    else if (!AuditHash.Compute(record).AsSpan().SequenceEqual(record.Hash))
                    {
                        Bad(record.Seq, $"record {record.Seq} does not match its hash (edited)");
                    }
                    else if (verified.TryGetValue(record.Seq, out var checkpoint) && !checkpoint.Hash.AsSpan().SequenceEqual(record.Hash))
                    {
                        Bad(record.Seq, $"record {record.Seq} differs from the signed checkpoint");
                    }
                    await lines.LineAsync(writer => WriteRecord(writer, record), token);
                    previous = record.Hash;
                    expected = record.Seq + 1;
                    count++;
                }
                if (page.Count < PageSize)
                {
                    break;
                }
            }
            await lines.FlushAsync(token);
        }, cancellationToken);

        var lastSeq = expected - 1;
        if (forged <= lastSeq)
        {
            Bad(forged, $"the checkpoint at seq {forged} has an invalid signature (forged or altered)");
        }
        // Checkpoints past the exported records (the chain grew meanwhile) are left out: the archive checks as it stands.
        checkpoints.RemoveAll(c => c.Seq > lastSeq);
        if (firstBad is null && count > 0 && keys.SigningKeyId is not null && checkpoints.All(c => c.Seq != lastSeq))
        {
            var signed = keys.Sign(chain, lastSeq, previous, time.GetUtcNow());
            await store.AddCheckpointAsync(signed, cancellationToken);
            checkpoints = [.. (await store.CheckpointsAsync(chain, cancellationToken)).Where(c => c.Seq <= lastSeq)];
        }

        await archive.WriteEntryAsync(TenantArchiveFormat.AuditCheckpointsPath, async (stream, token) =>
        {
            using var lines = new JsonLinesWriter(stream);
            foreach (var checkpoint in checkpoints)
            {
                await lines.LineAsync(writer => WriteCheckpoint(writer, checkpoint), token);
            }
            await lines.FlushAsync(token);
        }, cancellationToken);

        var publicKeys = PublicKeys();
        await archive.WriteEntryAsync(TenantArchiveFormat.AuditKeysPath, (stream, token) =>
            stream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new EvidenceKeys(TenantArchiveFormat.CheckpointSignature,
                [.. publicKeys.Select(key => new EvidenceKey(key.Key, Convert.ToBase64String(key.Value)))]), TenantArchiveFormat.ManifestWriteOptions), token).AsTask(),
            cancellationToken);

        var unknownKey = checkpoints.Count(c => !publicKeys.ContainsKey(c.KeyId));
        return new TenantEvidenceAuditSummary(chain, count, lastSeq, count > 0 ? Convert.ToHexStringLower(previous) : null, checkpoints.Count,
            checkpoints.Count(c => keys.Verify(c) == true), unknownKey, firstBad is null, firstBad, problem);
    }

    /// <summary>The checkpoint public keys (SubjectPublicKeyInfo DER) by key id: the signing key's and the configured retired ones.</summary>
    private SortedDictionary<string, byte[]> PublicKeys()
    {
        var found = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        if (keys.SigningPublicKey is { } signing)
        {
            found[AuditCheckpointKeys.KeyIdOf(signing)] = signing;
        }
        foreach (var text in options.Value.CheckpointPublicKeys)
        {
            var key = Convert.FromBase64String(text);
            found[AuditCheckpointKeys.KeyIdOf(key)] = key;
        }
        return found;
    }

    private static void WriteRecord(Utf8JsonWriter writer, AuditRecord record)
    {
        writer.WriteStartObject();
        AuditRecordJson.WriteProperties(writer, record);
        writer.WriteEndObject();
    }

    private static void WriteCheckpoint(Utf8JsonWriter writer, AuditCheckpoint checkpoint)
    {
        writer.WriteStartObject();
        AuditCheckpointJson.WriteProperties(writer, checkpoint);
        writer.WriteEndObject();
    }

    private sealed record EvidenceKeys(string Algorithm, IReadOnlyList<EvidenceKey> Keys);

    private sealed record EvidenceKey(string KeyId, string PublicKey);
}
