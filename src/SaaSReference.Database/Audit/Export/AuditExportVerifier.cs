using System.Security.Cryptography;
using System.Text.Json;

namespace SaaSReference.Database.Audit.Export;

/// <summary>What the offline verifier found in one export; <see cref="Line"/> and <see cref="Problem"/> say where and what.</summary>
public sealed record AuditExportVerification(
    bool Valid,
    string? Scope,
    string? Subject,
    long Records,
    int Checkpoints,
    int CheckpointsWithUnknownKey,
    string? SignedBy,
    long? Line,
    string? Problem);

/// <summary>
/// 12.4.2b: checks a signed JSON Lines export without the database: every record's hash recomputed from its content,
/// records of one chain linked to their predecessors (a tenant export: contiguous from its first seq, and from the
/// genesis when it starts at 1), every checkpoint's signature and, where it covers an exported record, its hash; the
/// trailer's SHA-256 over every line before it, its counts, and its signature by a key the caller trusts. Streams the
/// export: memory stays bounded by one line and the checkpoints.
/// </summary>
public static class AuditExportVerifier
{
    public static async Task<AuditExportVerification> VerifyAsync(Stream export, AuditCheckpointKeys trusted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(export);
        ArgumentNullException.ThrowIfNull(trusted);
        var state = new State();
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await foreach (var line in AuditExportLines.ReadAsync(export, cancellationToken))
        {
            state.Line++;
            if (line.TooLong)
            {
                return state.Bad($"the line is longer than {AuditExportFormat.MaxLineBytes} bytes");
            }
            if (state.Trailer)
            {
                return state.Bad("there is more after the signature (appended)");
            }
            string? problem;
            try
            {
                using var document = JsonDocument.Parse(line.Bytes);
                var root = document.RootElement;
                var kind = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("kind", out var k) ? k.GetString() : null;
                problem = (state.Line, kind) switch
                {
                    (1, "header") => state.Header(root),
                    (1, _) => "the first line is not an export header",
                    (_, "checkpoint") => state.Checkpoint(root, trusted),
                    (_, "record") => state.Record(root),
                    (_, "signature") => state.Signature(root, sha256.GetHashAndReset()),
                    _ => $"unknown line kind '{kind}'",
                };
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException or KeyNotFoundException
                or ArgumentException or CryptographicException)
            {
                problem = $"the line is not a well-formed export line ({exception.GetType().Name})";
            }
            if (problem is not null)
            {
                return state.Bad(problem);
            }
            if (!state.Trailer)
            {
                sha256.AppendData(line.Bytes.Span);
                sha256.AppendData("\n"u8);
            }
        }
        if (state.Line == 0)
        {
            return state.Bad("the export is empty");
        }
        if (!state.Trailer)
        {
            return state.Bad($"the export ends at line {state.Line} without its signature (truncated)");
        }
        if (!trusted.TrustedKeyIds.Contains(state.SignedBy!))
        {
            return state.Bad($"the export is signed by key {state.SignedBy}, which is not among the trusted public keys given");
        }
        return state.Result(true, null, null);
    }

    private sealed class State
    {
        private readonly Dictionary<(string Chain, long Seq), byte[]> _checkpoints = [];
        private readonly Dictionary<string, (long Seq, byte[] Hash)> _lastPerChain = new(StringComparer.Ordinal);
        private AuditExportScope _scope;
        private string? _scopeText;
        private string? _subject;
        private long _records;
        private int _unknownKeys;

        public long Line { get; set; }

        public bool Trailer { get; private set; }

        public string? SignedBy { get; private set; }

        public AuditExportVerification Bad(string problem) => Result(false, Line, problem);

        public AuditExportVerification Result(bool valid, long? line, string? problem) =>
            new(valid, _scopeText, _subject, _records, _checkpoints.Count, _unknownKeys, SignedBy, line, problem);

        public string? Header(JsonElement root)
        {
            if (Text(root, "format") != AuditExportFormat.Format)
            {
                return $"not an export of the format {AuditExportFormat.Format}";
            }
            _scopeText = Text(root, "scope");
            if (AuditExportFormat.ParseScope(_scopeText) is not { } scope)
            {
                return $"unknown scope '{_scopeText}'";
            }
            _scope = scope;
            _subject = Text(root, "subject");
            return string.IsNullOrEmpty(_subject) ? "the header names no subject" : null;
        }

        public string? Checkpoint(JsonElement root, AuditCheckpointKeys trusted)
        {
            if (_records > 0)
            {
                return "a checkpoint after the records (the export was rearranged)";
            }
            var checkpoint = AuditCheckpointJson.Read(root);
            switch (trusted.Verify(checkpoint))
            {
                case false:
                    return $"the checkpoint of {checkpoint.Chain} at seq {checkpoint.Seq} has an invalid signature (forged or altered)";
                case null:
                    _unknownKeys++;
                    return null;
                default:
                    _checkpoints[(checkpoint.Chain, checkpoint.Seq)] = checkpoint.Hash;
                    return null;
            }
        }

        public string? Record(JsonElement root)
        {
            if (_subject is null)
            {
                return "a record before the header";
            }
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var field in root.GetProperty("fields").EnumerateObject())
            {
                fields[field.Name] = field.Value.GetString() ?? throw new FormatException("field");
            }
            var record = new AuditRecord(Text(root, "chain")!, root.GetProperty("seq").GetInt64(),
                AuditExportFormat.ParseTime(Text(root, "at")) ?? throw new FormatException("at"), Text(root, "type")!, Text(root, "severity")!,
                Text(root, "actor")!, root.GetProperty("tenantId").ValueKind == JsonValueKind.Null ? null : Text(root, "tenantId"),
                Text(root, "target")!, Text(root, "outcome")!, fields, Convert.FromHexString(Text(root, "prevHash")!), Convert.FromHexString(Text(root, "hash")!));
            _records++;
            var where = $"record {record.Chain}#{record.Seq}";
            if (_scope == AuditExportScope.Tenant && record.Chain != AuditChains.TenantPrefix + _subject)
            {
                return $"{where} is not of the exported tenant's chain";
            }
            if (_scope == AuditExportScope.Actor && record.Actor != _subject)
            {
                return $"{where} is not an act of the exported user";
            }
            if (!AuditHash.Compute(record).AsSpan().SequenceEqual(record.Hash))
            {
                return $"{where} does not match its hash (edited)";
            }
            if (_lastPerChain.TryGetValue(record.Chain, out var last))
            {
                if (record.Seq <= last.Seq)
                {
                    return $"{where} comes after seq {last.Seq} of its chain (reordered or repeated)";
                }
                if (_scope == AuditExportScope.Tenant && record.Seq != last.Seq + 1)
                {
                    return $"{where} follows record {last.Seq}: records {last.Seq + 1} to {record.Seq - 1} are missing here (deleted or reordered)";
                }
                if (record.Seq == last.Seq + 1 && !record.PrevHash.AsSpan().SequenceEqual(last.Hash))
                {
                    return $"{where} does not link to record {last.Seq} (inserted, deleted or reordered)";
                }
            }
            else if (record.Seq == 1 && !record.PrevHash.AsSpan().SequenceEqual(AuditHash.Genesis))
            {
                return $"{where} is the first of its chain but does not start from the genesis";
            }
            if (_checkpoints.TryGetValue((record.Chain, record.Seq), out var signed) && !signed.AsSpan().SequenceEqual(record.Hash))
            {
                return $"{where} differs from the signed checkpoint (the chain was rewritten)";
            }
            _lastPerChain[record.Chain] = (record.Seq, record.Hash);
            return null;
        }

        public string? Signature(JsonElement root, byte[] digest)
        {
            Trailer = true;
            if (_subject is null)
            {
                return "a signature without a header";
            }
            var claimed = Convert.FromHexString(Text(root, "sha256")!);
            if (!claimed.AsSpan().SequenceEqual(digest))
            {
                return "the lines before the signature are not the ones signed (edited, inserted, deleted or reordered)";
            }
            var records = root.GetProperty("records").GetInt64();
            var checkpoints = root.GetProperty("checkpoints").GetInt64();
            if (records != _records || checkpoints != _checkpoints.Count + _unknownKeys)
            {
                return $"the signature counts {records} records and {checkpoints} checkpoints; the export holds {_records} and {_checkpoints.Count + _unknownKeys}";
            }
            var publicKey = Convert.FromBase64String(Text(root, "publicKey")!);
            SignedBy = Text(root, "keyId");
            if (SignedBy != AuditCheckpointKeys.KeyIdOf(publicKey))
            {
                return "the signature's key id does not belong to its public key";
            }
            using var signer = new AuditCheckpointKeys(null, [publicKey]);
            return signer.Verify(SignedBy!, AuditExportFormat.SignedPayload(digest, records, checkpoints), Convert.FromBase64String(Text(root, "signature")!)) == true
                ? null
                : "the signature is invalid (the export was altered after it was signed)";
        }

        private static string? Text(JsonElement root, string name) => root.GetProperty(name).GetString();
    }
}
