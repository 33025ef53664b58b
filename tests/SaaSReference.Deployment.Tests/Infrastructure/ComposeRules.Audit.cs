using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using SaaSReference.Database.Audit;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>
/// The audit trail's deployment (docs/audit.md, "Checkpoints"): the key the silos sign checkpoints and exports with
/// (12.4.2a tamper evidence, 12.4.2b signed exports) and the checkpoint log outside the database.
/// </summary>
internal static partial class ComposeRules
{
    public const string CheckpointSigningKeySetting = "Audit__CheckpointSigningKey";
    public const string CheckpointDirectorySetting = "Audit__CheckpointDirectory";
    public const string CheckpointLogStore = "audit checkpoint log";

    /// <summary>
    /// Every silo signs with the one private key, from a required variable (so that a checkpoint one silo signed verifies
    /// on the others and after a restart), and keeps the checkpoint log outside the database; the same audit settings on
    /// every silo; retired public keys are P-256 public keys; nobody but the silos is given the key or a checkpoint log
    /// (the identity service and the gateway write records and sign nothing). The log's volume is checked with the other
    /// file stores (<see cref="SiloVolumes"/>), the key's literal-freeness also by <see cref="Secrets"/>.
    /// </summary>
    public static IEnumerable<string> Audit(ComposeFile compose)
    {
        var silos = compose.ServicesOfRole("silo").ToList();
        var reference = silos.FirstOrDefault();
        foreach (var silo in silos)
        {
            var environment = silo.Environment;
            var key = environment.GetValueOrDefault(CheckpointSigningKeySetting);
            if (string.IsNullOrWhiteSpace(key))
            {
                yield return $"{silo.Name}: {CheckpointSigningKeySetting} is not set: each silo process would sign checkpoints with a throwaway key "
                    + "of its own, unknown to the other silos and lost at restart (12.4.2a)";
            }
            else if (!RequiredVariableOnly().IsMatch(key))
            {
                yield return $"{silo.Name}: {CheckpointSigningKeySetting} is not a required ${{VAR:?...}} variable; the private key never sits in the file";
            }
            if (string.IsNullOrWhiteSpace(environment.GetValueOrDefault(CheckpointDirectorySetting)))
            {
                yield return $"{silo.Name}: {CheckpointDirectorySetting} is not set: checkpoints would live only in the database, where a superuser "
                    + "deletes them with the records they cover (12.4.2a)";
            }
            AuditOptions? options = null;
            string? bindingError = null;
            try
            {
                options = BindAudit(silo);
            }
            catch (InvalidOperationException exception)
            {
                bindingError = exception.Message;
            }
            if (options is null)
            {
                yield return $"{silo.Name}: {AuditOptions.Section} does not bind: {bindingError}";
                continue;
            }
            if (options.CheckpointInterval <= TimeSpan.Zero)
            {
                yield return $"{silo.Name}: {AuditOptions.Section}:CheckpointInterval is {options.CheckpointInterval}: the silos sign no checkpoints";
            }
            foreach (var (setting, value) in environment.Where(e => IsCheckpointPublicKeySetting(e.Key) && !RequiredVariableOnly().IsMatch(e.Value)))
            {
                if (!IsPublicKey(value))
                {
                    yield return $"{silo.Name}: {setting} is not a P-256 public key (base64 SubjectPublicKeyInfo); verify would fail to start";
                }
            }
            if (reference is not null && silo != reference)
            {
                var (mine, theirs) = (AuditSettings(silo), AuditSettings(reference));
                foreach (var setting in mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal)
                    .Where(k => mine.GetValueOrDefault(k) != theirs.GetValueOrDefault(k)))
                {
                    yield return $"{silo.Name} sets {setting} unlike {reference.Name}; every silo signs with the one key and trusts the same keys";
                }
            }
        }
        var keyVariable = RequiredVariableName(reference?.Environment.GetValueOrDefault(CheckpointSigningKeySetting));
        foreach (var service in compose.Services.Values)
        {
            foreach (var (setting, value) in service.Environment)
            {
                var isTheKeySetting = service.Role == "silo" && setting == CheckpointSigningKeySetting;
                if (service.Role != "silo" && setting.StartsWith("Audit__Checkpoint", StringComparison.Ordinal))
                {
                    yield return $"{service.Name} is given {setting}; only the silos sign and verify checkpoints, the {service.Role} writes records only";
                }
                else if (!isTheKeySetting && keyVariable is not null
                    && Interpolation().Matches(value).Any(m => m.Groups["name"].Value == keyVariable))
                {
                    yield return $"{service.Name}: {setting} takes ${{{keyVariable}}}, the checkpoint signing key, which only the silos' {CheckpointSigningKeySetting} holds";
                }
            }
        }
    }

    /// <summary>The silo's Audit section as the silo binds it from its environment.</summary>
    public static AuditOptions BindAudit(ComposeService silo) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(silo.Environment.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build()
            .GetSection(AuditOptions.Section)
            .Get<AuditOptions>() ?? new AuditOptions();

    /// <summary><c>Audit__CheckpointPublicKeys__{n}</c>: a retired key's public half, trusted by verify after a rotation.</summary>
    public static bool IsCheckpointPublicKeySetting(string key) => CheckpointPublicKeyKey().IsMatch(key);

    /// <summary>Base64 of a P-256 SubjectPublicKeyInfo (a public key, not secret; a pasted private key is not one).</summary>
    public static bool IsPublicKey(string value)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(value), out var read);
            return read == Convert.FromBase64String(value).Length && key.KeySize == 256;
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException)
        {
            return false;
        }
    }

    private static IReadOnlyDictionary<string, string> AuditSettings(ComposeService silo) => silo.Environment
        .Where(e => e.Key.StartsWith("Audit__", StringComparison.Ordinal))
        .ToDictionary(StringComparer.Ordinal);

    [GeneratedRegex(@"^Audit__CheckpointPublicKeys__(0|[1-9][0-9]*)$")]
    private static partial Regex CheckpointPublicKeyKey();
}
