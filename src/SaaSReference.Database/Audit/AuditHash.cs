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
        using var buffer = new MemoryStream();
        buffer.Write(prevHash);
        Write(buffer, Tag);
        Write(buffer, chain);
        Write(buffer, seq.ToString(CultureInfo.InvariantCulture));
        Write(buffer, at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
        Write(buffer, type);
        Write(buffer, severity);
        Write(buffer, actor);
        Write(buffer, tenantId);
        Write(buffer, target);
        Write(buffer, outcome);
        Write(buffer, fields.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var (key, value) in fields.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Write(buffer, key);
            Write(buffer, value);
        }
        return SHA256.HashData(buffer.ToArray());
    }

    public static byte[] Compute(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Compute(record.PrevHash, record.Chain, record.Seq, record.At, record.Type, record.Severity, record.Actor,
            record.TenantId, record.Target, record.Outcome, record.Fields);
    }

    private static void Write(MemoryStream buffer, string? value)
    {
        if (value is null)
        {
            buffer.WriteByte(0xFF);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.WriteByte(0x00);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
