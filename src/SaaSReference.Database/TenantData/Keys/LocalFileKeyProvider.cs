using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SaaSReference.Contracts.Tenants;

namespace SaaSReference.Database.TenantData.Keys;

/// <summary>Configuration section <c>TenantKeys:Local</c> of the <see cref="LocalFileKeyProvider"/>.</summary>
public sealed class LocalFileKeyProviderOptions
{
    public const string Section = "TenantKeys:Local";

    /// <summary>
    /// The provider's directory: the platform key-encryption key and the tenants' wrapped data keys. Never inside a backup
    /// of the platform database or of the tenants' data; readable by the silo's account only.
    /// </summary>
    public string Directory { get; set; } = "";
}

/// <summary>
/// The key provider of a local installation (10.1.2b), standing in for a cloud KMS. A 256-bit platform key-encryption key
/// (KEK) in one file, mode 0600, generated on first use; each tenant's data keys, wrapped with AES-256-GCM under the KEK
/// with the tenant and version as associated data, one file per version; a revocation marker per tenant that makes every
/// unwrap fail; destruction that overwrites and deletes the wrapped keys and leaves a tombstone (8.1.5d).
/// </summary>
/// <remarks>
/// Several silo processes on one machine may share the directory: every file appears whole through a rename of a private
/// temporary file, the KEK and each key version are first-writer-wins (a process that loses the race adopts the winner's),
/// and a creation racing a destruction shreds what it created. On copy-on-write file systems and flash media overwriting is
/// best effort; a KMS provider's destroy is the production answer (docs/tenant-keys.md).
/// </remarks>
public sealed class LocalFileKeyProvider : ITenantKeyProvider
{
    public const string ProviderName = "local";
    public const string KekFileName = "platform-kek.bin";
    private const string TenantsDirectory = "tenants";
    private const string RevokedMarker = "revoked";
    private const string DestroyedMarker = "destroyed";
    private const string WrappedExtension = ".wrapped";
    private const byte WrapFormat = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int WrappedSize = 1 + NonceSize + TagSize + TenantDataKey.SizeBytes;

    private static readonly UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _root;
    private readonly Lazy<byte[]> _kek;

    public LocalFileKeyProvider(IOptions<LocalFileKeyProviderOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Value.Directory))
        {
            throw new InvalidOperationException(
                $"{LocalFileKeyProviderOptions.Section}:Directory is not configured: the local key provider needs a directory for the platform key-encryption key and the wrapped tenant keys.");
        }
        _root = Path.GetFullPath(options.Value.Directory);
        // PublicationOnly: a failure (a directory not there yet) is not remembered; the KEK file itself is first-writer-wins.
        _kek = new Lazy<byte[]>(LoadOrCreateKek, LazyThreadSafetyMode.PublicationOnly);
    }

    public string Name => ProviderName;

    /// <summary>The KEK file (for operators' checks: permissions, backups that must exclude it).</summary>
    public string KekPath => Path.Combine(_root, KekFileName);

    public async Task<TenantDataKey> CreateAsync(string tenantId, int version, CancellationToken cancellationToken = default)
    {
        var directory = TenantDirectory(tenantId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        ThrowIfDestroyedOrRevoked(tenantId, directory);
        var path = WrappedPath(directory, version);
        if (!File.Exists(path))
        {
            CreatePrivateDirectory(directory);
            var material = RandomNumberGenerator.GetBytes(TenantDataKey.SizeBytes);
            try
            {
                var wrapped = Wrap(tenantId, version, material);
                // First writer wins: a process that loses the race reads and answers the winner's key below.
                await PublishAsync(path, wrapped, overwrite: false, cancellationToken);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(material);
            }
            if (File.Exists(Path.Combine(directory, DestroyedMarker)))
            {
                // A destruction ran meanwhile and may have missed the file this call published: shred it.
                Shred(path);
                throw Unavailable(tenantId, TenantKeyUnavailableReason.Destroyed);
            }
        }
        return await UnwrapAsync(tenantId, version, cancellationToken);
    }

    public async Task<TenantDataKey> UnwrapAsync(string tenantId, int version, CancellationToken cancellationToken = default)
    {
        var directory = TenantDirectory(tenantId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        ThrowIfDestroyedOrRevoked(tenantId, directory);
        byte[] wrapped;
        try
        {
            wrapped = await File.ReadAllBytesAsync(WrappedPath(directory, version), cancellationToken);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            ThrowIfDestroyedOrRevoked(tenantId, directory);
            throw Unavailable(tenantId, TenantKeyUnavailableReason.Missing, $"Version {version} of the data key of tenant '{tenantId}' does not exist.");
        }
        try
        {
            return new TenantDataKey(tenantId, version, Unwrap(tenantId, version, wrapped));
        }
        catch (CryptographicException)
        {
            // Read while a destruction was overwriting it: say so rather than "altered".
            ThrowIfDestroyedOrRevoked(tenantId, directory);
            throw;
        }
    }

    public async Task DisableAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var directory = TenantDirectory(tenantId);
        CreatePrivateDirectory(directory);
        await PublishAsync(Path.Combine(directory, RevokedMarker), Encoding.UTF8.GetBytes("revoked\n"), overwrite: true, cancellationToken);
    }

    public Task EnableAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var directory = TenantDirectory(tenantId);
        if (File.Exists(Path.Combine(directory, DestroyedMarker)))
        {
            throw Unavailable(tenantId, TenantKeyUnavailableReason.Destroyed);
        }
        File.Delete(Path.Combine(directory, RevokedMarker));
        return Task.CompletedTask;
    }

    public async Task DestroyAllAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var directory = TenantDirectory(tenantId);
        CreatePrivateDirectory(directory);
        // The tombstone first: from now on nothing of this tenant unwraps or is created, here or in another process.
        await PublishAsync(Path.Combine(directory, DestroyedMarker), Encoding.UTF8.GetBytes("destroyed\n"), overwrite: true, cancellationToken);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(file);
            // Wrapped keys, and temporary files an interrupted creation may have left with a wrapped key in them.
            if (name.EndsWith(WrappedExtension, StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                Shred(file);
            }
        }
        File.Delete(Path.Combine(directory, RevokedMarker));
    }

    /// <summary>Whether the tenant's keys are disabled at this provider (for operators' checks and tests).</summary>
    public bool IsDisabled(string tenantId) => File.Exists(Path.Combine(TenantDirectory(tenantId), RevokedMarker));

    /// <summary>The versions whose wrapped key this provider still holds.</summary>
    public IReadOnlyList<int> StoredVersions(string tenantId)
    {
        var directory = TenantDirectory(tenantId);
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }
        return [.. System.IO.Directory.EnumerateFiles(directory, "v*" + WrappedExtension)
            .Select(file => Path.GetFileNameWithoutExtension(file)[1..])
            .Select(text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .Where(v => v > 0)
            .Order()];
    }

    private string TenantDirectory(string tenantId)
    {
        // The id is a path segment: only well-formed ids (a DNS label) get this far.
        if (!TenantId.IsValid(tenantId))
        {
            throw new ArgumentException($"'{tenantId}' is not a tenant id.", nameof(tenantId));
        }
        return Path.Combine(_root, TenantsDirectory, tenantId);
    }

    private static string WrappedPath(string directory, int version) =>
        Path.Combine(directory, "v" + version.ToString(CultureInfo.InvariantCulture) + WrappedExtension);

    private static void ThrowIfDestroyedOrRevoked(string tenantId, string directory)
    {
        if (File.Exists(Path.Combine(directory, DestroyedMarker)))
        {
            throw Unavailable(tenantId, TenantKeyUnavailableReason.Destroyed);
        }
        if (File.Exists(Path.Combine(directory, RevokedMarker)))
        {
            throw Unavailable(tenantId, TenantKeyUnavailableReason.Revoked);
        }
    }

    private static TenantKeyUnavailableException Unavailable(string tenantId, TenantKeyUnavailableReason reason, string? message = null) =>
        new(tenantId, reason, message ?? reason switch
        {
            TenantKeyUnavailableReason.Revoked => $"The data key of tenant '{tenantId}' is disabled at the key provider (revoked).",
            TenantKeyUnavailableReason.Destroyed => $"The data key of tenant '{tenantId}' was destroyed at the key provider.",
            _ => $"The key provider holds no data key of tenant '{tenantId}'.",
        });

    /// <summary>The associated data of a wrapped key: a wrapped key moved to another tenant or version does not unwrap.</summary>
    private static byte[] WrapAad(string tenantId, int version) =>
        Encoding.UTF8.GetBytes($"saasref tenant data key v1\0{tenantId}\0{version.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Layout: format (1), nonce (12), tag (16), wrapped key (32).</summary>
    private byte[] Wrap(string tenantId, int version, ReadOnlySpan<byte> material)
    {
        var output = new byte[WrappedSize];
        output[0] = WrapFormat;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_kek.Value, TagSize);
        aes.Encrypt(nonce, material, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), WrapAad(tenantId, version));
        return output;
    }

    private byte[] Unwrap(string tenantId, int version, byte[] wrapped)
    {
        if (wrapped.Length != WrappedSize || wrapped[0] != WrapFormat)
        {
            throw new CryptographicException($"The wrapped data key v{version} of tenant '{tenantId}' is not in a known format.");
        }
        var material = new byte[TenantDataKey.SizeBytes];
        using var aes = new AesGcm(_kek.Value, TagSize);
        try
        {
            aes.Decrypt(wrapped.AsSpan(1, NonceSize), wrapped.AsSpan(1 + NonceSize + TagSize), wrapped.AsSpan(1 + NonceSize, TagSize), material,
                WrapAad(tenantId, version));
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new CryptographicException(
                $"The wrapped data key v{version} of tenant '{tenantId}' does not unwrap: it was altered, or it belongs to another tenant or version, or another KEK wrapped it.",
                exception);
        }
        return material;
    }

    private byte[] LoadOrCreateKek()
    {
        CreatePrivateDirectory(_root);
        var path = KekPath;
        if (!File.Exists(path))
        {
            var fresh = RandomNumberGenerator.GetBytes(TenantDataKey.SizeBytes);
            try
            {
                // First writer wins: every process ends up with the one KEK on disk.
                PublishAsync(path, fresh, overwrite: false, CancellationToken.None).GetAwaiter().GetResult();
            }
            finally
            {
                CryptographicOperations.ZeroMemory(fresh);
            }
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~PrivateFile) != 0)
        {
            throw new InvalidOperationException(
                $"The platform key-encryption key {path} may be read by others than its owner; make it mode 0600 (chmod 600) before the silo uses it.");
        }
        var kek = File.ReadAllBytes(path);
        if (kek.Length != TenantDataKey.SizeBytes)
        {
            throw new InvalidOperationException($"The platform key-encryption key {path} is not a 256-bit key; restore it from its escrow.");
        }
        return kek;
    }

    /// <summary>Creates the directory and any missing parent up to the provider's root (the root included) as 0700.</summary>
    private void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
            return;
        }
        if (System.IO.Directory.Exists(directory))
        {
            return;
        }
        if (!string.Equals(directory, _root, StringComparison.Ordinal) && Path.GetDirectoryName(directory) is { } parent
            && parent.StartsWith(_root, StringComparison.Ordinal))
        {
            CreatePrivateDirectory(parent);
        }
        System.IO.Directory.CreateDirectory(directory, PrivateDirectory);
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a private temporary file beside <paramref name="path"/>, flushed to disk, then
    /// renames it into place: readers see the whole file or none. Without <paramref name="overwrite"/> an existing file wins
    /// (the rename is refused) and the temporary file is removed; answers whether this call's content is in place.
    /// </summary>
    private static async Task<bool> PublishAsync(string path, byte[] content, bool overwrite, CancellationToken cancellationToken)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }
        await using (var stream = new FileStream(temp, options))
        {
            await stream.WriteAsync(content, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temp, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            Shred(temp);
            return false;
        }
    }

    /// <summary>Overwrites a file with random bytes, flushed, then deletes it. A file already gone is fine.</summary>
    private static void Shred(string path)
    {
        try
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                var noise = RandomNumberGenerator.GetBytes((int)Math.Min(stream.Length, 1 << 20));
                stream.Write(noise);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            // Another process shredded it first.
        }
    }
}
