using System.Text.RegularExpressions;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>Secrets in the compose file: never a literal, always a required <c>${VAR:?message}</c> variable.</summary>
internal static partial class ComposeRules
{
    /// <summary>Settings whose names look secret but that hold a directory, never key material.</summary>
    private static readonly string[] NonSecretSettings = [KeyStoreSetting];

    /// <summary>
    /// No secret literal: secret-named environment values are exactly a required <c>${VAR:?message}</c>, every
    /// <c>name=value</c> with a secret-like name inside any value starts with one, and secret-named variables
    /// are never given a default. The one exception: a retired audit checkpoint key's public half
    /// (<c>Audit__CheckpointPublicKeys__{n}</c>) may be a literal when it is one, since it is public.
    /// </summary>
    public static IEnumerable<string> Secrets(ComposeFile compose)
    {
        foreach (var service in compose.Services.Values)
        {
            // A retired checkpoint key's public half may be written out (it is public); a private key pasted there may not.
            var publicKeys = service.Environment.Where(e => IsCheckpointPublicKeySetting(e.Key) && IsPublicKey(e.Value))
                .ToDictionary(StringComparer.Ordinal);
            foreach (var (key, value) in service.Environment.Where(e => SecretName().IsMatch(e.Key) && !publicKeys.ContainsKey(e.Key)
                && !(NonSecretSettings.Contains(e.Key) && e.Value.StartsWith('/') && !e.Value.Contains('=', StringComparison.Ordinal))))
            {
                if (!RequiredVariableOnly().IsMatch(value))
                {
                    yield return $"{service.Name}: {key} is not a required ${{VAR:?...}} variable";
                }
            }
            foreach (var scalar in Yaml.Scalars(service.Node).Where(s => !publicKeys.ContainsValue(s)).Select(s => s.Replace("$$", "", StringComparison.Ordinal)))
            {
                foreach (Match assignment in Assignment().Matches(scalar))
                {
                    if (SecretName().IsMatch(assignment.Groups["name"].Value) && !RequiredVariableStart().IsMatch(assignment.Groups["value"].Value))
                    {
                        yield return $"{service.Name}: {assignment.Groups["name"].Value}= is followed by a literal, not a required variable";
                    }
                }
                foreach (Match variable in Interpolation().Matches(scalar))
                {
                    if (SecretName().IsMatch(variable.Groups["name"].Value) && !variable.Groups["op"].Value.EndsWith('?'))
                    {
                        yield return $"{service.Name}: ${{{variable.Groups["name"].Value}}} may be unset or defaulted; secrets must use :?";
                    }
                }
            }
        }
    }

    /// <summary>Names of the variables the file requires (<c>${NAME:?...}</c>).</summary>
    public static IReadOnlySet<string> RequiredVariables(ComposeFile compose) => compose.Services.Values
        .SelectMany(s => Yaml.Scalars(s.Node))
        .SelectMany(s => Interpolation().Matches(s.Replace("$$", "", StringComparison.Ordinal)))
        .Where(m => m.Groups["op"].Value.EndsWith('?'))
        .Select(m => m.Groups["name"].Value)
        .ToHashSet(StringComparer.Ordinal);

    private static string? RequiredVariableName(string? value) =>
        value is not null && RequiredVariableStart().Match(value) is { Success: true } m ? m.Groups["name"].Value : null;

    [GeneratedRegex("password|passwd|pwd|secret|token|key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?<op>:?[-?+])?[^}]*\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]+\}$")]
    private static partial Regex RequiredVariableOnly();

    [GeneratedRegex(@"^\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*):?\?[^}]+\}")]
    private static partial Regex RequiredVariableStart();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?<value>[^;]*)")]
    private static partial Regex Assignment();
}
