using System.Runtime.CompilerServices;

namespace SaaSReference.Database.Audit.Export;

/// <summary>One line of an export without its <c>\n</c>, or a line longer than the format allows (its bytes dropped).</summary>
public readonly record struct AuditExportLine(ReadOnlyMemory<byte> Bytes, bool TooLong);

/// <summary>Splits a stream into lines at <c>\n</c>, holding at most one line (up to <see cref="AuditExportFormat.MaxLineBytes"/>) in memory.</summary>
public static class AuditExportLines
{
    public static async IAsyncEnumerable<AuditExportLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var chunk = new byte[64 * 1024];
        var line = new MemoryStream();
        var tooLong = false;
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            var start = 0;
            while (start < read)
            {
                var end = Array.IndexOf(chunk, (byte)'\n', start, read - start);
                var length = (end < 0 ? read : end) - start;
                if (!tooLong && line.Length + length > AuditExportFormat.MaxLineBytes)
                {
                    tooLong = true;
                    line.SetLength(0);
                }
                if (!tooLong)
                {
                    line.Write(chunk, start, length);
                }
                if (end < 0)
                {
                    break;
                }
                yield return new AuditExportLine(line.ToArray(), tooLong);
                line.SetLength(0);
                tooLong = false;
                start = end + 1;
            }
        }
        if (line.Length > 0 || tooLong)
        {
            yield return new AuditExportLine(line.ToArray(), tooLong);
        }
    }
}
