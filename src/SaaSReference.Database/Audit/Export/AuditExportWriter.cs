using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace SaaSReference.Database.Audit.Export;

/// <summary>
/// Writes one signed JSON Lines export (<see cref="AuditExportFormat"/>) to a stream as the records are read, hashing
/// every byte it writes; <see cref="CompleteAsync"/> signs that hash with the audit signing key.
/// </summary>
public sealed class AuditExportWriter(Stream output, AuditCheckpointKeys keys) : IDisposable
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private bool _headerWritten;
    private bool _completed;

    public long Records { get; private set; }

    public long Checkpoints { get; private set; }

    public Task WriteHeaderAsync(AuditExportHeader header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (_headerWritten)
        {
            throw new InvalidOperationException("The header is written once, first.");
        }
        _headerWritten = true;
        return WriteLineAsync(json =>
        {
            json.WriteString("kind", "header");
            json.WriteString("format", AuditExportFormat.Format);
            json.WriteString("scope", AuditExportFormat.ScopeText(header.Scope));
            json.WriteString("subject", header.Subject);
            WriteTime(json, "from", header.From);
            WriteTime(json, "to", header.To);
            json.WriteString("exportedAt", AuditExportFormat.Time(header.ExportedAt));
            json.WriteString("exportedBy", header.ExportedBy);
        }, cancellationToken);
    }

    public Task WriteCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        EnsureOpen();
        if (Records > 0)
        {
            throw new InvalidOperationException("Checkpoints come before the records.");
        }
        Checkpoints++;
        return WriteLineAsync(json => AuditCheckpointJson.Write(json, checkpoint), cancellationToken);
    }

    public Task WriteRecordAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        EnsureOpen();
        Records++;
        return WriteLineAsync(json =>
        {
            json.WriteString("kind", "record");
            AuditRecordJson.WriteProperties(json, record);
        }, cancellationToken);
    }

    /// <summary>Writes the trailer: counts, the SHA-256 of every line before it, the signing key and the signature.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        _completed = true;
        var digest = _sha256.GetHashAndReset();
        var (keyId, signature) = keys.SignPayload(AuditExportFormat.SignedPayload(digest, Records, Checkpoints));
        await WriteLineAsync(json =>
        {
            json.WriteString("kind", "signature");
            json.WriteNumber("records", Records);
            json.WriteNumber("checkpoints", Checkpoints);
            json.WriteString("sha256", Convert.ToHexStringLower(digest));
            json.WriteString("keyId", keyId);
            json.WriteString("publicKey", Convert.ToBase64String(keys.SigningPublicKey!));
            json.WriteString("signature", Convert.ToBase64String(signature));
        }, cancellationToken, hash: false);
        await output.FlushAsync(cancellationToken);
    }

    private void EnsureOpen()
    {
        if (!_headerWritten || _completed)
        {
            throw new InvalidOperationException(_completed ? "The export is complete." : "Write the header first.");
        }
    }

    private async Task WriteLineAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken, bool hash = true)
    {
        _line.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_line, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        _line.Write("\n"u8);
        if (hash)
        {
            _sha256.AppendData(_line.WrittenSpan);
        }
        await output.WriteAsync(_line.WrittenMemory, cancellationToken);
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? at)
    {
        if (at is { } value)
        {
            json.WriteString(name, AuditExportFormat.Time(value));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    public void Dispose() => _sha256.Dispose();
}
