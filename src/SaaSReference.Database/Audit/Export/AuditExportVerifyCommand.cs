using System.Globalization;

namespace SaaSReference.Database.Audit.Export;

/// <summary>
/// 12.4.2b: the offline check of a signed export, for an auditor with the file and the platform's public key but no
/// access to the platform: <c>SaaSReference.Silo audit-verify-export FILE [--public-key BASE64]...</c>. The trusted keys
/// are the ones named, plus <c>Audit:CheckpointPublicKeys</c> from the environment. Exit code 0: the export is intact
/// and signed by a trusted key; 1: it is not (where and what is printed); 2: bad arguments or an unreadable file.
/// </summary>
public static class AuditExportVerifyCommand
{
    public const string Name = "audit-verify-export";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, IEnumerable<string> configuredPublicKeys, TextWriter output,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuredPublicKeys);
        ArgumentNullException.ThrowIfNull(output);
        string? file = null;
        var keys = new List<byte[]>();
        try
        {
            foreach (var key in configuredPublicKeys)
            {
                keys.Add(Convert.FromBase64String(key));
            }
            for (var i = 0; i < args.Count; i++)
            {
                if (args[i] == "--public-key" && i + 1 < args.Count)
                {
                    keys.Add(Convert.FromBase64String(args[++i]));
                }
                else if (file is null && !args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    file = args[i];
                }
                else
                {
                    return await UsageAsync(output, $"'{args[i]}' is not understood");
                }
            }
        }
        catch (FormatException)
        {
            return await UsageAsync(output, "a public key is not base64");
        }
        if (file is null)
        {
            return await UsageAsync(output, "name the export file");
        }

        AuditExportVerification result;
        try
        {
            using var trusted = new AuditCheckpointKeys(null, keys);
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            result = await AuditExportVerifier.VerifyAsync(stream, trusted, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await output.WriteLineAsync($"cannot check {file}: {exception.Message}");
            return 2;
        }
        await output.WriteLineAsync(result.Valid
            ? string.Create(CultureInfo.InvariantCulture,
                $"intact  {result.Scope} {result.Subject}: {result.Records} records, {result.Checkpoints} checkpoints ({result.CheckpointsWithUnknownKey} with an unknown key), signed by {result.SignedBy}")
            : string.Create(CultureInfo.InvariantCulture, $"BROKEN  line {result.Line}: {result.Problem}"));
        return result.Valid ? 0 : 1;
    }

    private static async Task<int> UsageAsync(TextWriter output, string why)
    {
        await output.WriteLineAsync($"usage: {Name} FILE [--public-key BASE64-SUBJECT-PUBLIC-KEY-INFO]... ({why})");
        return 2;
    }
}
