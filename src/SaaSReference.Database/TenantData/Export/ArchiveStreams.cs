using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace SaaSReference.Database.TenantData.Export;

/// <summary>
/// Writes a ZIP archive straight to a (non-seekable) destination such as an HTTP response, entry by entry: nothing is
/// buffered beyond the deflater's window, one batch of lines, and the few bytes <see cref="ZipArchive"/> still writes
/// synchronously (an entry's last deflate block and data descriptor, the central directory), which
/// <see cref="AsyncBridgeStream"/> holds until they are sent asynchronously. Every entry's size and SHA-256 are taken as its
/// bytes go through, for the manifest written last. An archive not completed (<see cref="CompleteAsync"/>) never gets its
/// central directory: a failure leaves a stream no ZIP reader takes for a whole archive.
/// </summary>
internal sealed class ArchiveBuilder : IAsyncDisposable
{
    private readonly ZipArchive _zip;
    private readonly AsyncBridgeStream _bridge;
    private readonly DateTimeOffset _stamp;
    private readonly List<TenantArchiveEntry> _entries = [];
    private bool _completed;

    private ArchiveBuilder(ZipArchive zip, AsyncBridgeStream bridge, DateTimeOffset stamp)
    {
        _zip = zip;
        _bridge = bridge;
        _stamp = stamp;
    }

    public IReadOnlyList<TenantArchiveEntry> Entries => _entries;

    public static async Task<ArchiveBuilder> CreateAsync(Stream destination, DateTimeOffset stamp, CancellationToken cancellationToken)
    {
        var bridge = new AsyncBridgeStream(destination);
        var zip = await ZipArchive.CreateAsync(bridge, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        return new ArchiveBuilder(zip, bridge, stamp);
    }

    /// <summary>Adds an entry whose bytes <paramref name="write"/> produces; listed in the manifest.</summary>
    public async Task<TenantArchiveEntry> WriteEntryAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var entry = await AddAsync(path, write, cancellationToken);
        _entries.Add(entry);
        return entry;
    }

    /// <summary>Adds the manifest (not listed in itself); answers the SHA-256 of its bytes.</summary>
    public async Task<string> WriteManifestAsync(TenantArchiveManifest manifest, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, TenantArchiveFormat.ManifestWriteOptions);
        var entry = await AddAsync(TenantArchiveFormat.ManifestPath, (stream, token) => stream.WriteAsync(bytes, token).AsTask(), cancellationToken);
        return entry.Sha256;
    }

    /// <summary>Writes the central directory and sends what is left: the archive is whole.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _completed = true;
        await _zip.DisposeAsync();
        await _bridge.SendPendingAsync(cancellationToken);
    }

    private async Task<TenantArchiveEntry> AddAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var entry = _zip.CreateEntry(path, CompressionLevel.Fastest);
        entry.LastWriteTime = _stamp;
        TenantArchiveEntry written;
        await using (var raw = await entry.OpenAsync(cancellationToken))
        {
            await using var hashing = new HashingWriteStream(raw);
            await write(hashing, cancellationToken);
            written = new TenantArchiveEntry(path, hashing.Length, hashing.Sha256());
        }
        await _bridge.SendPendingAsync(cancellationToken);
        return written;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            _bridge.Discard();
            await _zip.DisposeAsync();
        }
    }
}

/// <summary>
/// Between <see cref="ZipArchive"/> and a destination that allows only asynchronous writes (an HTTP response): asynchronous
/// writes go straight through (after anything pending), synchronous ones are held until <see cref="SendPendingAsync"/>.
/// After <see cref="Discard"/>, nothing more reaches the destination.
/// </summary>
internal sealed class AsyncBridgeStream(Stream destination) : Stream
{
    private readonly MemoryStream _pending = new();
    private long _position;
    private bool _discarded;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public void Discard() => _discarded = true;

    public async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length > 0 && !_discarded)
        {
            await destination.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        }
        _pending.SetLength(0);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _position += buffer.Length;
        if (!_discarded)
        {
            _pending.Write(buffer);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _position += buffer.Length;
        if (_discarded)
        {
            return;
        }
        await SendPendingAsync(cancellationToken);
        await destination.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override async Task FlushAsync(CancellationToken cancellationToken) => await SendPendingAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pending.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Passes writes through to an entry, counting and hashing them. Writes only asynchronously (an HTTP response refuses sync I/O).</summary>
internal sealed class HashingWriteStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        _length += buffer.Length;
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write asynchronously.");
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Writes JSON Lines to an entry: each line one JSON value and a '\n', batched into writes of about 64 KiB.</summary>
internal sealed class JsonLinesWriter(Stream destination) : IDisposable
{
    private const int BatchBytes = 64 * 1024;
    private readonly ArrayBufferWriter<byte> _buffer = new(BatchBytes);
    private readonly Utf8JsonWriter _writer = new(Stream.Null, TenantArchiveFormat.LineWriterOptions);

    /// <summary>Writes one line (<paramref name="write"/> writes exactly one JSON value) and sends the batch when it is full.</summary>
    public async Task LineAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        _writer.Reset(_buffer);
        write(_writer);
        _writer.Flush();
        _buffer.Write("\n"u8);
        if (_buffer.WrittenCount >= BatchBytes)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount > 0)
        {
            await destination.WriteAsync(_buffer.WrittenMemory, cancellationToken);
            _buffer.ResetWrittenCount();
        }
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>
/// Reads JSON Lines from an entry: each line without its '\n', at most <c>maxLineBytes</c> long (a longer line is refused,
/// never buffered); a blank line is refused.
/// </summary>
internal sealed class JsonLinesReader(Stream source, int maxLineBytes, string path)
{
    private byte[] _buffer = new byte[Math.Min(maxLineBytes + 2, 64 * 1024)];
    private int _start;
    private int _end;
    private bool _eof;

    public long LineNumber { get; private set; }

    /// <summary>The next line (valid until the next call), or null at the end.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0 || (_eof && _end > _start))
            {
                var length = newline >= 0 ? newline : _end - _start;
                var line = _buffer.AsMemory(_start, length);
                _start += newline >= 0 ? newline + 1 : length;
                LineNumber++;
                if (length > maxLineBytes)
                {
                    throw TooLong();
                }
                if (line.Span.Trim((byte)'\r').IsEmpty)
                {
                    throw new TenantArchiveInvalidException(TenantArchiveProblem.InvalidContent, $"Entry '{path}' has a blank line {LineNumber}.");
                }
                return line;
            }
            if (_eof)
            {
                return null;
            }
            if (_end - _start > maxLineBytes)
            {
                LineNumber++;
                throw TooLong();
            }
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxLineBytes + 2));
            }
            var read = await source.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _eof = true;
            }
            _end += read;
        }
    }

    private TenantArchiveInvalidException TooLong() =>
        new(TenantArchiveProblem.InvalidContent, $"Line {LineNumber} of entry '{path}' is longer than {maxLineBytes} bytes.");
}

/// <summary>
/// Reads an entry of an archive being imported, holding it to the size and SHA-256 its manifest gives: reading past the
/// size is refused at once (a zip bomb never inflates further), and <see cref="VerifyAsync"/> checks both at the end.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, TenantArchiveEntry expected) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => expected.Size;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int count;
        try
        {
            count = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw new TenantArchiveInvalidException(TenantArchiveProblem.NotAnArchive, $"Entry '{expected.Path}' is corrupt: it cannot be decompressed.");
        }
        _read += count;
        if (_read > expected.Size)
        {
            throw Mismatch();
        }
        _hash.AppendData(buffer.Span[..count]);
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads what is left and checks the entry's size and SHA-256 against the manifest.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken)
    {
        var rest = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await ReadAsync(rest.AsMemory(), cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rest);
        }
        if (_read != expected.Size || !string.Equals(Convert.ToHexStringLower(_hash.GetCurrentHash()), expected.Sha256, StringComparison.Ordinal))
        {
            throw Mismatch();
        }
    }

    private TenantArchiveInvalidException Mismatch() =>
        new(TenantArchiveProblem.ChecksumMismatch, $"Entry '{expected.Path}' does not have the size and SHA-256 the manifest gives for it.");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
