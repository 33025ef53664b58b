using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SaaSReference.Database.TenantData.Keys;

namespace SaaSReference.Database.TenantData.Backups;

/// <summary>
/// The layout of a tenant backup artifact (docs/tenant-backups.md). The file: a clear header (magic <c>SRTBAK01</c>,
/// backup id, key version, chunk size), then encrypted chunks, each a 4-byte big-endian length and a
/// <see cref="TenantCipher"/> ciphertext whose associated data is <see cref="TenantDataAad.BackupChunk"/> (tenant,
/// backup, chunk number): a chunk moved, dropped, reordered or taken from another tenant's backup fails to decrypt.
/// The plaintext the chunks carry: magic <c>SRTBDATA</c> and the tenant id, then one frame per table in
/// <see cref="Tables"/> order (name, columns, rows, then the table's <c>COPY ... (FORMAT BINARY)</c> bytes in
/// length-prefixed blocks ending with an empty one), then an end frame with the number of tables. A stream that
/// stops before the end frame, or goes on after it, is refused.
/// </summary>
public static class TenantBackupFormat
{
    public const string ManifestFormat = "saasref-tenant-backup/1";
    public const string Cipher = "AES-256-GCM";

    /// <summary>
    /// 12.3.1c: the tables of a tenant's schema, in the order they are written and restored (a table's references come
    /// before it). A schema with any other table is refused: a backup never silently leaves anything out.
    /// </summary>
    public static IReadOnlyList<string> Tables { get; } = ["labels", "collections", "records", "files", "file_chunks", "grain_state"];

    internal const int MaxBlockBytes = 64 * 1024;
    internal const byte TableFrame = (byte)'T';
    internal const byte EndFrame = (byte)'E';
    internal static ReadOnlySpan<byte> FileMagic => "SRTBAK01"u8;
    internal static ReadOnlySpan<byte> DataMagic => "SRTBDATA"u8;
    internal const int HeaderSize = 8 + 16 + 4 + 4;
    private const int MaxNameBytes = 256;
    private const int MaxColumns = 256;

    /// <summary>The artifact's path under a backup site.</summary>
    public static string ArtifactPath(string tenantId, Guid backupId) => $"{tenantId}/{backupId:N}.backup";

    /// <summary>The manifest beside an artifact.</summary>
    public static string ManifestPathOf(string artifactPath) => artifactPath[..^".backup".Length] + ".manifest.json";

    /// <summary>18.1.3a: where a copy from <paramref name="sourceRegion"/> lives under the paired region's backup site.</summary>
    public static string CopyPath(string sourceRegion, string tenantId, Guid backupId) => $"copies/{sourceRegion}/{ArtifactPath(tenantId, backupId)}";

    /// <summary>A path of the catalogue (always '/'-separated) under a backup site's root directory.</summary>
    public static string Resolve(string root, string relative) =>
        Path.Combine(Path.GetFullPath(root), relative.Replace('/', Path.DirectorySeparatorChar));

    internal static byte[] Header(Guid backupId, int keyVersion, int chunkSize)
    {
        var header = new byte[HeaderSize];
        FileMagic.CopyTo(header);
        backupId.TryWriteBytes(header.AsSpan(8, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(24, 4), keyVersion);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(28, 4), chunkSize);
        return header;
    }

    internal static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    internal static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    internal static byte[] Text(string value)
    {
        var text = Encoding.UTF8.GetBytes(value);
        if (text.Length > MaxNameBytes)
        {
            throw new ArgumentException("A name in a backup has at most 256 bytes.", nameof(value));
        }
        var bytes = new byte[2 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)text.Length);
        text.CopyTo(bytes, 2);
        return bytes;
    }

    /// <summary>Writes the frame that opens a table: its name, its columns and its number of rows.</summary>
    internal static async ValueTask WriteTableFrameAsync(TenantBackupWriter writer, string table, IReadOnlyList<string> columns, long rows,
        CancellationToken cancellationToken)
    {
        await writer.WriteAsync(new[] { TableFrame }, cancellationToken);
        await writer.WriteAsync(Text(table), cancellationToken);
        await writer.WriteAsync(Int32(columns.Count), cancellationToken);
        foreach (var column in columns)
        {
            await writer.WriteAsync(Text(column), cancellationToken);
        }
        await writer.WriteAsync(Int64(rows), cancellationToken);
    }

    /// <summary>A table frame as read back: its rows' COPY bytes follow in blocks.</summary>
    internal sealed record TableHeader(string Name, IReadOnlyList<string> Columns, long Rows);

    /// <summary>The next frame: a table, or null at the end frame (whose count of tables must be <paramref name="expectedTables"/>).</summary>
    internal static async ValueTask<TableHeader?> ReadFrameAsync(TenantBackupReader reader, int expectedTables, CancellationToken cancellationToken)
    {
        var kind = (await reader.ReadExactlyAsync(1, cancellationToken))[0];
        if (kind == EndFrame)
        {
            var tables = BinaryPrimitives.ReadInt32BigEndian(await reader.ReadExactlyAsync(4, cancellationToken));
            return tables == expectedTables ? null : throw new TenantBackupCorruptException($"The backup ends after {tables} tables, not {expectedTables}.");
        }
        if (kind != TableFrame)
        {
            throw new TenantBackupCorruptException("The backup's data is not framed as expected.");
        }
        var name = await ReadTextAsync(reader, cancellationToken);
        var count = BinaryPrimitives.ReadInt32BigEndian(await reader.ReadExactlyAsync(4, cancellationToken));
        if (count is < 1 or > MaxColumns)
        {
            throw new TenantBackupCorruptException("A table of the backup has an impossible number of columns.");
        }
        var columns = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            columns.Add(await ReadTextAsync(reader, cancellationToken));
        }
        var rows = BinaryPrimitives.ReadInt64BigEndian(await reader.ReadExactlyAsync(8, cancellationToken));
        return rows < 0 ? throw new TenantBackupCorruptException("A table of the backup has a negative number of rows.") : new TableHeader(name, columns, rows);
    }

    /// <summary>The length of the next block of COPY bytes; 0 ends the table.</summary>
    internal static async ValueTask<int> ReadBlockLengthAsync(TenantBackupReader reader, CancellationToken cancellationToken)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(await reader.ReadExactlyAsync(4, cancellationToken));
        return length is < 0 or > MaxBlockBytes ? throw new TenantBackupCorruptException("A block of the backup has an impossible length.") : length;
    }

    internal static async ValueTask<string> ReadTextAsync(TenantBackupReader reader, CancellationToken cancellationToken)
    {
        var length = BinaryPrimitives.ReadUInt16BigEndian(await reader.ReadExactlyAsync(2, cancellationToken));
        if (length > MaxNameBytes)
        {
            throw new TenantBackupCorruptException("A name in the backup is too long.");
        }
        return Encoding.UTF8.GetString(await reader.ReadExactlyAsync(length, cancellationToken));
    }
}

/// <summary>
/// Writes an artifact: the clear header, then the plaintext given to <see cref="WriteAsync"/> cut into chunks of the
/// configured size, each encrypted with the tenant's data key as soon as it is full. Holds one chunk in memory at a
/// time, and the SHA-256 of everything written.
/// </summary>
public sealed class TenantBackupWriter : IDisposable
{
    private readonly Stream _file;
    private readonly TenantDataKey _key;
    private readonly string _tenantId;
    private readonly Guid _backupId;
    private readonly byte[] _chunk;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _filled;
    private long _chunkNo;

    public TenantBackupWriter(Stream file, TenantDataKey key, string tenantId, Guid backupId, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, TenantBackupOptions.MinChunkSizeBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, TenantBackupOptions.MaxChunkSizeBytes);
        _file = file;
        _key = key;
        _tenantId = tenantId;
        _backupId = backupId;
        _chunk = new byte[chunkSize];
    }

    /// <summary>Bytes written to the file so far.</summary>
    public long Length { get; private set; }

    public ValueTask WriteHeaderAsync(CancellationToken cancellationToken) =>
        WriteFileAsync(TenantBackupFormat.Header(_backupId, _key.Version, _chunk.Length), cancellationToken);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _chunk.Length - _filled);
            data.Span[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled == _chunk.Length)
            {
                await SealChunkAsync(cancellationToken);
            }
        }
    }

    /// <summary>Seals the last chunk, flushes the file to disk and answers the artifact's SHA-256 (lower-case hex).</summary>
    public async Task<string> CompleteAsync(CancellationToken cancellationToken)
    {
        await SealChunkAsync(cancellationToken);
        await _file.FlushAsync(cancellationToken);
        if (_file is FileStream fileStream)
        {
            fileStream.Flush(flushToDisk: true);
        }
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    private async ValueTask SealChunkAsync(CancellationToken cancellationToken)
    {
        if (_filled == 0)
        {
            return;
        }
        var sealedChunk = TenantCipher.Encrypt(_key, _chunk.AsSpan(0, _filled), TenantDataAad.BackupChunk(_tenantId, _backupId, _chunkNo));
        CryptographicOperations.ZeroMemory(_chunk.AsSpan(0, _filled));
        _chunkNo++;
        _filled = 0;
        await WriteFileAsync(TenantBackupFormat.Int32(sealedChunk.Length), cancellationToken);
        await WriteFileAsync(sealedChunk, cancellationToken);
    }

    private async ValueTask WriteFileAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        _hash.AppendData(bytes);
        await _file.WriteAsync(bytes, cancellationToken);
        Length += bytes.Length;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_chunk);
        _hash.Dispose();
    }
}

/// <summary>
/// Reads an artifact back: checks the clear header against the catalogue, decrypts one chunk at a time with the key
/// version the catalogue names, and hashes every byte of the file, so that <see cref="FinishAsync"/> can tell whether
/// what was read is the artifact that was catalogued.
/// </summary>
public sealed class TenantBackupReader : IDisposable
{
    private readonly Stream _file;
    private readonly TenantDataKey _key;
    private readonly string _tenantId;
    private readonly Guid _backupId;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _chunkSize;
    private byte[] _plain = [];
    private int _position;
    private long _chunkNo;
    private bool _endOfFile;

    public TenantBackupReader(Stream file, TenantDataKey key, string tenantId, Guid backupId)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(key);
        _file = file;
        _key = key;
        _tenantId = tenantId;
        _backupId = backupId;
    }

    public async ValueTask ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var header = await ReadFileAsync(TenantBackupFormat.HeaderSize, cancellationToken)
            ?? throw new TenantBackupCorruptException("The artifact is too short to be a backup.");
        if (!header.AsSpan(0, 8).SequenceEqual(TenantBackupFormat.FileMagic))
        {
            throw new TenantBackupCorruptException("The artifact is not a tenant backup.");
        }
        if (new Guid(header.AsSpan(8, 16), bigEndian: true) != _backupId)
        {
            throw new TenantBackupCorruptException("The artifact is the file of another backup.");
        }
        if (BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(24, 4)) != _key.Version)
        {
            throw new TenantBackupCorruptException("The artifact was encrypted with another key version than the catalogue says.");
        }
        _chunkSize = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(28, 4));
        if (_chunkSize is < TenantBackupOptions.MinChunkSizeBytes or > TenantBackupOptions.MaxChunkSizeBytes)
        {
            throw new TenantBackupCorruptException("The artifact's chunk size is impossible.");
        }
    }

    /// <summary>Exactly <paramref name="count"/> plaintext bytes; refuses a stream that ends before.</summary>
    public async ValueTask<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await ReadAsync(bytes.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                throw new TenantBackupCorruptException("The backup ends too early (truncated).");
            }
            read += n;
        }
        return bytes;
    }

    /// <summary>Up to <paramref name="destination"/>'s length of plaintext; 0 at the end of the artifact.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_position == _plain.Length && !await NextChunkAsync(cancellationToken))
        {
            return 0;
        }
        var take = Math.Min(destination.Length, _plain.Length - _position);
        _plain.AsSpan(_position, take).CopyTo(destination.Span);
        _position += take;
        return take;
    }

    /// <summary>Checks that no plaintext is left and answers the SHA-256 of the whole file (lower-case hex).</summary>
    public async ValueTask<string> FinishAsync(CancellationToken cancellationToken)
    {
        if (_position != _plain.Length || await NextChunkAsync(cancellationToken))
        {
            throw new TenantBackupCorruptException("The backup goes on after its end.");
        }
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    private async ValueTask<bool> NextChunkAsync(CancellationToken cancellationToken)
    {
        if (_endOfFile)
        {
            return false;
        }
        var prefix = await ReadFileAsync(4, cancellationToken);
        if (prefix is null)
        {
            _endOfFile = true;
            return false;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length <= TenantCipher.Overhead || length > _chunkSize + TenantCipher.Overhead)
        {
            throw new TenantBackupCorruptException("A chunk of the artifact has an impossible length.");
        }
        var sealedChunk = await ReadFileAsync(length, cancellationToken)
            ?? throw new TenantBackupCorruptException("The artifact ends inside a chunk (truncated).");
        CryptographicOperations.ZeroMemory(_plain);
        try
        {
            _plain = TenantCipher.Decrypt(_key, sealedChunk, TenantDataAad.BackupChunk(_tenantId, _backupId, _chunkNo));
        }
        catch (CryptographicException)
        {
            throw new TenantBackupCorruptException($"Chunk {_chunkNo} of the artifact does not decrypt: it was altered, or belongs to another backup or tenant.");
        }
        _chunkNo++;
        _position = 0;
        return true;
    }

    /// <summary>Exactly <paramref name="count"/> bytes of the file, hashed; null at a clean end of file; throws at a torn one.</summary>
    private async ValueTask<byte[]?> ReadFileAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await _file.ReadAsync(bytes.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                if (read == 0)
                {
                    return null;
                }
                throw new TenantBackupCorruptException("The artifact ends too early (truncated).");
            }
            read += n;
        }
        _hash.AppendData(bytes);
        return bytes;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_plain);
        _hash.Dispose();
    }
}
