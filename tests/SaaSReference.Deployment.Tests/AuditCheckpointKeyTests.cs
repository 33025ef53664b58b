using System.Diagnostics;
using SaaSReference.Database.Audit;
using SaaSReference.Deployment.Tests.Infrastructure;

namespace SaaSReference.Deployment.Tests;

/// <summary>
/// 12.4.2a/b: the commands infra/docker/README.md gives operators for the checkpoint signing key
/// (<c>AUDIT_CHECKPOINT_SIGNING_KEY</c>) make a key the silos accept, and its public half and key id are the ones the
/// silos publish (<c>GET /api/audit/keys</c>) and stamp on checkpoints. Run where openssl is installed, skipped elsewhere.
/// </summary>
public sealed class AuditCheckpointKeyTests
{
    /// <summary>
    /// A P-256 key as base64 PKCS#8. Not <c>genpkey -outform DER</c> alone: OpenSSL writes an EC key's DER as SEC1
    /// (ECPrivateKey), which ImportPkcs8PrivateKey refuses; its PEM output is PKCS#8, turned into DER by pkcs8.
    /// </summary>
    internal const string GenerateKey =
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl pkcs8 -topk8 -nocrypt -outform DER | openssl base64 -A";

    /// <summary>The key's public half as base64 SubjectPublicKeyInfo, what <c>Audit__CheckpointPublicKeys__{n}</c> takes.</summary>
    internal const string PublicHalf =
        "printf %s \"$AUDIT_CHECKPOINT_SIGNING_KEY\" | openssl base64 -d -A | openssl pkey -inform DER -pubout -outform DER | openssl base64 -A";

    /// <summary>The key id the checkpoints name (first 16 hex digits of SHA-256 of the SubjectPublicKeyInfo).</summary>
    internal const string KeyId =
        "printf %s \"$AUDIT_CHECKPOINT_SIGNING_KEY\" | openssl base64 -d -A | openssl pkey -inform DER -pubout -outform DER | openssl dgst -sha256 -r | cut -c1-16";

    [Fact]
    public void Readme_KeyCommands_AreTheOnesTested()
    {
        var readme = File.ReadAllText(Repo.PathOf("infra/docker/README.md"));
        Assert.Contains($"export AUDIT_CHECKPOINT_SIGNING_KEY=\"$({GenerateKey})\"", readme, StringComparison.Ordinal);
        Assert.Contains(PublicHalf, readme, StringComparison.Ordinal);
        Assert.Contains(KeyId, readme, StringComparison.Ordinal);
    }

    [OpenSslFact]
    public void GeneratedKey_IsAcceptedBySilosAndItsPublicHalfAndKeyIdMatchWhatTheyPublish()
    {
        var privateKey = OpenSslFactAttribute.Shell(GenerateKey, null);
        using var keys = new AuditCheckpointKeys(Convert.FromBase64String(privateKey));
        var publicHalf = OpenSslFactAttribute.Shell(PublicHalf, privateKey);
        Assert.Equal(Convert.ToBase64String(keys.SigningPublicKey!), publicHalf);
        Assert.Equal(keys.SigningKeyId, OpenSslFactAttribute.Shell(KeyId, privateKey));
        Assert.True(ComposeRules.IsPublicKey(publicHalf));
        Assert.False(ComposeRules.IsPublicKey(privateKey));

        // An auditor holding only the public half verifies what a silo signed with the key.
        using var auditor = new AuditCheckpointKeys(null, [Convert.FromBase64String(publicHalf)]);
        Assert.True(auditor.Verify(keys.Sign("platform", 42, new byte[32], DateTimeOffset.UnixEpoch)));
    }
}

/// <summary>A fact that is skipped when openssl and a POSIX shell are not installed here.</summary>
public sealed class OpenSslFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            return Shell("openssl version", null).StartsWith("OpenSSL 3", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    });

    public OpenSslFactAttribute()
    {
        if (!Available.Value)
        {
            Skip = "openssl 3 and sh are not installed here";
        }
    }

    /// <summary>Runs a command line with <c>sh -c</c> (with AUDIT_CHECKPOINT_SIGNING_KEY set when given): its trimmed output.</summary>
    internal static string Shell(string command, string? signingKey)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment.Remove("AUDIT_CHECKPOINT_SIGNING_KEY");
        if (signingKey is not null)
        {
            start.Environment["AUDIT_CHECKPOINT_SIGNING_KEY"] = signingKey;
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{command} timed out");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} exited with {process.ExitCode}: {stderr.GetAwaiter().GetResult()}");
        }
        return stdout.Trim();
    }
}
