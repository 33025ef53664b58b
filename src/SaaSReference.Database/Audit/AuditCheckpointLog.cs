using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SaaSReference.Database.Audit;

/// <summary>What the checkpoint log held for a chain, and how many of its lines could not be read.</summary>
public sealed record AuditCheckpointLogRead(IReadOnlyList<AuditCheckpoint> Checkpoints, int UnreadableLines);

/// <summary>
/// 12.4.2a: a copy of every checkpoint this process signs, appended to files outside the database
/// (<see cref="AuditOptions.CheckpointDirectory"/>: a volume the database's administrators cannot write, ideally
/// shipped on to WORM storage), so that deleting records <em>and</em> their checkpoints in the database is still found.
/// One JSON object per line (<see cref="AuditCheckpointJson"/>), one file per day and writer instance
/// (<c>yyyy-MM-dd.&lt;instance&gt;.jsonl</c>): several silos never write the same file. Each append is flushed to disk
/// before the writer goes on. Without a directory it does nothing.
/// </summary>
public sealed class AuditCheckpointLog(IOptions<AuditOptions> options)
{
    private readonly string? _directory = string.IsNullOrWhiteSpace(options.Value.CheckpointDirectory) ? null : Path.GetFullPath(options.Value.CheckpointDirectory);
    private readonly string _instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string? Directory => _directory;

    public async Task AppendAsync(IReadOnlyList<AuditCheckpoint> checkpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (_directory is null || checkpoints.Count == 0)
        {
            return;
        }
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var checkpoint in checkpoints)
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                AuditCheckpointJson.Write(json, checkpoint);
                json.WriteEndObject();
            }
            buffer.Write("\n"u8);
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            var path = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{checkpoints[0].SignedAt:yyyy-MM-dd}.{_instance}.jsonl"));
            await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
            await file.WriteAsync(buffer.WrittenMemory, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The checkpoints of <paramref name="chain"/> in every log file of <paramref name="directory"/>.</summary>
    public static async Task<AuditCheckpointLogRead> ReadAsync(string directory, string chain, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var found = new List<AuditCheckpoint>();
        var unreadable = 0;
        if (!System.IO.Directory.Exists(directory))
        {
            return new AuditCheckpointLogRead(found, 0);
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous);
            await foreach (var line in Export.AuditExportLines.ReadAsync(file, cancellationToken))
            {
                if (line.Bytes.IsEmpty && !line.TooLong)
                {
                    continue;
                }
                try
                {
                    using var document = JsonDocument.Parse(line.Bytes);
                    var checkpoint = AuditCheckpointJson.Read(document.RootElement);
                    if (checkpoint.Chain == chain)
                    {
                        found.Add(checkpoint);
                    }
                }
                catch (Exception exception) when (line.TooLong || exception is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
                {
                    unreadable++;
                }
            }
        }
        return new AuditCheckpointLogRead(found, unreadable);
    }
}
