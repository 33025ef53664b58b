using System.Text.Json;
using System.Text.RegularExpressions;

namespace SaaSReference.Deployment.Tests.Infrastructure;

/// <summary>One instruction with its continuation lines joined; <see cref="Index"/> orders the whole file.</summary>
internal sealed partial record DockerInstruction(int Index, string Keyword, string Arguments)
{
    /// <summary>Arguments split into words, from the JSON (exec) form or on whitespace.</summary>
    public IReadOnlyList<string> Words => Split(Arguments);

    /// <summary>COPY/ADD operands without the leading flags: sources, then the destination last.</summary>
    public IReadOnlyList<string> Operands => Split(LeadingFlags().Replace(Arguments, ""));

    /// <summary><c>--name=value</c> flag (COPY, FROM, HEALTHCHECK), or null.</summary>
    public string? Flag(string name) =>
        Words.FirstOrDefault(w => w.StartsWith($"--{name}=", StringComparison.Ordinal))?[(name.Length + 3)..];

    public override string ToString() => $"{Keyword} {Arguments}";

    private static string[] Split(string text) => text.TrimStart().StartsWith('[')
        ? JsonSerializer.Deserialize<string[]>(text) ?? []
        : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^(\s*--\S+)*\s*")]
    private static partial Regex LeadingFlags();
}

internal sealed record DockerStage(string BaseImage, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) =>
        Instructions.Where(i => i.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));
}

internal sealed class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions)
    {
        Path = path;
        Instructions = instructions;
        var stages = new List<DockerStage>();
        foreach (var from in instructions.Where(i => i.Keyword == "FROM"))
        {
            var words = from.Words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            var body = instructions.Where(i => i.Index > from.Index).TakeWhile(i => i.Keyword != "FROM").ToList();
            stages.Add(new DockerStage(words[0], words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null, body));
        }
        Stages = stages;
    }

    /// <summary>Repository-relative path.</summary>
    public string Path { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    /// <summary>COPY instructions that read the build context (not <c>--from</c> another stage or image).</summary>
    public IEnumerable<DockerInstruction> ContextCopies =>
        Instructions.Where(i => i.Keyword is "COPY" or "ADD" && i.Flag("from") is null);

    public static Dockerfile Load(string relativePath) => Parse(relativePath, File.ReadAllText(Repo.PathOf(relativePath)));

    public static Dockerfile Parse(string path, string text)
    {
        var instructions = new List<DockerInstruction>();
        var pending = "";
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue; // comments (also inside continuations) and blank lines
            }
            pending += line.EndsWith('\\') ? line[..^1] + " " : line;
            if (line.EndsWith('\\'))
            {
                continue;
            }
            var split = pending.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (split.Length > 0)
            {
                instructions.Add(new DockerInstruction(instructions.Count, split[0].ToUpperInvariant(), split.Length > 1 ? split[1].Trim() : ""));
            }
            pending = "";
        }
        return new Dockerfile(path, instructions);
    }

    public override string ToString() => Path;
}
