using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SaaSReference.Database.Audit;

/// <summary>
/// 12.4.2a: the hash chain. hash = SHA-256(prev_hash ‖ canonical(record)); the first record of a chain has 32 zero
/// bytes as prev_hash. The canonical form is written out in docs/audit.md so that an offline verifier can
/// recompute it: the tag "saasref-audit-v1", then chain, seq, at, type, severity, actor, tenant_id, target, outcome,
/// the number of fields and each field's key and value in ordinal key order, each as a string field. A string
/// field is the byte 0x00, its UTF-8 length as 4 bytes big-endian, and its UTF-8 bytes; a null is the byte 0xFF.
/// </summary>
public static class AuditHash
{
    public const string Tag = "saasref-audit-v1";
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";
    public static readonly byte[] Genesis = new byte[32];

    public static byte[] Compute(byte[] prevHash, string chain, long seq, DateTimeOffset at, string type, string severity, string actor,
        string? tenantId, string target, string outcome, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(prevHash);
        ArgumentNullException.ThrowIfNull(fields);
        // One incremental hash over small stack buffers: no stream or byte array per field (it runs for every record).
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(prevHash);
        Write(hash, Tag);
        Write(hash, chain);
        Span<char> number = stackalloc char[20];
        Write(hash, seq.TryFormat(number, out var written, provider: CultureInfo.InvariantCulture) ? number[..written] : seq.ToString(CultureInfo.InvariantCulture));
        Span<char> time = stackalloc char[32];
        Write(hash, at.UtcDateTime.TryFormat(time, out written, TimeFormat, CultureInfo.InvariantCulture) ? time[..written] : at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
        Write(hash, type);
        Write(hash, severity);
        Write(hash, actor);
        Write(hash, tenantId);
        Write(hash, target);
        Write(hash, outcome);
        Write(hash, fields.Count.TryFormat(number, out written, provider: CultureInfo.InvariantCulture) ? number[..written] : fields.Count.ToString(CultureInfo.InvariantCulture));
        IEnumerable<KeyValuePair<string, string>> ordered = fields is SortedDictionary<string, string> sorted && sorted.Comparer == StringComparer.Ordinal
            ? sorted
            : fields.OrderBy(pair => pair.Key, StringComparer.Ordinal);
        foreach (var (key, value) in ordered)
        {
            Write(hash, key);
            Write(hash, value);
        }
        return hash.GetHashAndReset();
    }

    public static byte[] Compute(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Compute(record.PrevHash, record.Chain, record.Seq, record.At, record.Type, record.Severity, record.Actor,
            record.TenantId, record.Target, record.Outcome, record.Fields);
    }

    private static void Write(IncrementalHash hash, string? value)
    {
        if (value is null)
        {
            hash.AppendData([0xFF]);
            return;
        }
        Write(hash, value.AsSpan());
    }

    private static void Write(IncrementalHash hash, ReadOnlySpan<char> value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var rented = length <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length + 5);
        Span<byte> buffer = rented ?? stackalloc byte[517];
        buffer[0] = 0x00;
        BinaryPrimitives.WriteInt32BigEndian(buffer[1..5], length);
        Encoding.UTF8.GetBytes(value, buffer[5..]);
        hash.AppendData(buffer[..(length + 5)]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
