using System.Net;
using System.Text;
using SaaSReference.Load.Stats;

namespace SaaSReference.Load.Reports;

/// <summary>
/// The report as one HTML page with its styles and SVG charts inline: it opens from disk, offline, and loads
/// nothing from anywhere (no CDN, no script).
/// </summary>
public static class HtmlReport
{
    private const string Style = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}" +
        "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}td:first-child,th:first-child{text-align:left}" +
        ".t{font-size:13px;font-weight:600}.a{font-size:11px;fill:#555}.g{stroke:#eee}.fail{color:#b00}.pass{color:#070}";

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load run: ").Append(E(report.Scenario))
            .Append("</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>Load run: ").Append(E(report.Scenario)).Append("</h1><ul>")
            .Append("<li>started: ").Append(E(report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))).Append(" UTC</li>")
            .Append("<li>target: ").Append(E(report.Target)).Append("</li><li>machine: ").Append(E(report.Machine)).Append("</li>")
            .Append("<li>command: <code>").Append(E(report.Command)).Append("</code></li>")
            .Append("<li>result: <b class=\"").Append(report.Passed ? "pass\">passed" : "fail\">FAILED").Append("</b></li></ul>");
        if (report.Summary.Count > 0)
        {
            html.Append("<h2>Summary</h2><table><tr><th>measure</th><th>value</th></tr>");
            foreach (var line in report.Summary)
            {
                html.Append("<tr><td>").Append(E(line.Label)).Append("</td><td>").Append(E(line.Value)).Append("</td></tr>");
            }
            html.Append("</table>");
        }
        foreach (var phase in report.Phases)
        {
            AppendPhase(html, phase);
        }
        if (report.Checks.Count > 0)
        {
            html.Append("<h2>Checks</h2><table><tr><th>check</th><th>actual</th><th>result</th></tr>");
            foreach (var c in report.Checks)
            {
                html.Append("<tr><td>").Append(E(c.Description)).Append("</td><td>").Append(Format.Number(c.Actual)).Append("</td><td class=\"")
                    .Append(c.Passed ? "pass\">passed" : "fail\">failed").Append("</td></tr>");
            }
            html.Append("</table>");
        }
        foreach (var note in report.Notes)
        {
            html.Append("<p>").Append(E(note)).Append("</p>");
        }
        return html.Append("</body></html>").ToString();
    }

    private static void AppendPhase(StringBuilder html, PhaseResult phase)
    {
        html.Append("<h2>Phase: ").Append(E(phase.Phase)).Append("</h2><table><tr><th>scenario / step</th><th>requests</th><th>failed</th>")
            .Append("<th>RPS</th><th>p50 ms</th><th>p75 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>");
        foreach (var scenario in phase.Scenarios)
        {
            foreach (var s in scenario.Steps)
            {
                html.Append("<tr><td>").Append(E(scenario.Scenario + " / " + s.Step)).Append("</td><td>").Append(Format.N(s.Count))
                    .Append("</td><td>").Append(Format.N(s.Failed)).Append("</td><td>").Append(Format.Rate(s.Rps)).Append("</td><td>")
                    .Append(Format.Ms(s.P50Ms)).Append("</td><td>").Append(Format.Ms(s.P75Ms)).Append("</td><td>").Append(Format.Ms(s.P95Ms))
                    .Append("</td><td>").Append(Format.Ms(s.P99Ms)).Append("</td><td>").Append(Format.Ms(s.MaxMs)).Append("</td></tr>");
            }
        }
        html.Append("</table>");
        foreach (var scenario in phase.Scenarios)
        {
            foreach (var s in scenario.Steps)
            {
                var name = scenario.Scenario + " / " + s.Step;
                html.Append("<div>").Append(SvgChart.Render(name + ": latency over time", "ms",
                [
                    new("p50", "#1f77b4", s.Timeline.Select(p => ((double)p.Second, p.P50Ms)).ToList()),
                    new("p99", "#d62728", s.Timeline.Select(p => ((double)p.Second, p.P99Ms)).ToList()),
                ])).Append(SvgChart.Render(name + ": requests per second", "req/s",
                [
                    new("ok", "#2ca02c", s.Timeline.Select(p => ((double)p.Second, (double)p.Ok)).ToList()),
                    new("failed", "#d62728", s.Timeline.Select(p => ((double)p.Second, (double)p.Failed)).ToList()),
                ])).Append("</div>");
                foreach (var e in s.Errors)
                {
                    html.Append("<p class=\"fail\">").Append(E($"{name}: status {e.Status}, {e.Reason}: {e.Count}")).Append("</p>");
                }
            }
        }
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
