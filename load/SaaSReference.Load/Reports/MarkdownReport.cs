using System.Text;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Reports;

/// <summary>The report as Markdown: what the README quotes and what the console prints at the end.</summary>
public static class MarkdownReport
{
    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.AppendLine($"# Load run: {report.Scenario}").AppendLine();
        md.AppendLine($"- started: {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC");
        md.AppendLine($"- target: {report.Target}");
        md.AppendLine($"- machine: {report.Machine}");
        md.AppendLine($"- command: `{report.Command}`");
        md.AppendLine($"- result: **{(report.Passed ? "passed" : "FAILED")}**").AppendLine();
        if (report.Summary.Count > 0)
        {
            md.AppendLine("## Summary").AppendLine().AppendLine("| measure | value |").AppendLine("| --- | --- |");
            foreach (var line in report.Summary)
            {
                md.AppendLine($"| {Cell(line.Label)} | {Cell(line.Value)} |");
            }
            md.AppendLine();
        }
        foreach (var phase in report.Phases)
        {
            md.AppendLine($"## Phase: {phase.Phase}").AppendLine();
            md.AppendLine("| scenario | step | requests | ok | failed | error rate | RPS | p50 ms | p75 ms | p95 ms | p99 ms | max ms |");
            md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var scenario in phase.Scenarios)
            {
                foreach (var s in scenario.Steps)
                {
                    md.AppendLine($"| {Cell(scenario.Scenario)} | {Cell(s.Step)} | {Format.N(s.Count)} | {Format.N(s.Ok)} | {Format.N(s.Failed)} | " +
                        $"{Format.Percent(s.ErrorRate)} | {Format.Rate(s.Rps)} | {Format.Ms(s.P50Ms)} | {Format.Ms(s.P75Ms)} | {Format.Ms(s.P95Ms)} | " +
                        $"{Format.Ms(s.P99Ms)} | {Format.Ms(s.MaxMs)} |");
                }
            }
            md.AppendLine();
            AppendErrors(md, phase);
        }
        if (report.Checks.Count > 0)
        {
            md.AppendLine("## Checks").AppendLine().AppendLine("| check | actual | result |").AppendLine("| --- | ---: | --- |");
            foreach (var check in report.Checks)
            {
                md.AppendLine($"| {Cell(check.Description)} | {Format.Number(check.Actual)} | {(check.Passed ? "passed" : "**failed**")} |");
            }
            md.AppendLine();
        }
        foreach (var note in report.Notes)
        {
            md.AppendLine($"> {note}").AppendLine();
        }
        return md.ToString();
    }

    private static void AppendErrors(StringBuilder md, PhaseResult phase)
    {
        var errors = phase.Scenarios.SelectMany(sc => sc.Steps.SelectMany(st => st.Errors.Select(e => (sc.Scenario, st.Step, e)))).ToList();
        if (errors.Count == 0)
        {
            return;
        }
        md.AppendLine("Errors by status and reason:").AppendLine().AppendLine("| scenario | step | status | reason | count |")
            .AppendLine("| --- | --- | ---: | --- | ---: |");
        foreach (var (scenario, step, e) in errors)
        {
            md.AppendLine($"| {Cell(scenario)} | {Cell(step)} | {e.Status} | {Cell(e.Reason)} | {Format.N(e.Count)} |");
        }
        md.AppendLine();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
