using SaaSReference.Load.Reports;

namespace SaaSReference.Load.Tests;

public sealed class ReportTests
{
    [Fact]
    public void Reports_AreWrittenAsMarkdownJsonAndSelfContainedHtml_WithTheNumbers()
    {
        var root = Path.Combine(Path.GetTempPath(), "load-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = StatisticsTests.Reports(StatisticsTests.Phase(p99Micros: 9_900));
            var folder = ReportWriter.Write(report, root);

            Assert.StartsWith(Path.Combine(root, "unit-19700101-000000"), folder, StringComparison.Ordinal);
            var p99 = Format.Ms(report.Phases[0].Scenarios[0].Steps[0].P99Ms);
            var md = File.ReadAllText(Path.Combine(folder, "report.md"));
            var html = File.ReadAllText(Path.Combine(folder, "report.html"));
            var json = JsonReport.Parse(File.ReadAllText(Path.Combine(folder, "report.json")))!;
            Assert.Contains($"| {p99} |", md, StringComparison.Ordinal);
            Assert.Contains("| p99 ratio | 1.23 |", md, StringComparison.Ordinal);
            Assert.Contains($"<td>{p99}</td>", html, StringComparison.Ordinal);
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.Contains("<polyline", html, StringComparison.Ordinal);
            foreach (var external in new[] { "src=", "href=", "<link", "<script", "@import", "url(" })
            {
                Assert.DoesNotContain(external, html, StringComparison.OrdinalIgnoreCase);
            }
            Assert.Equal(report.Phases[0].Scenarios[0].Steps[0].P99Ms, json.Phases[0].Scenarios[0].Steps[0].P99Ms);
            Assert.Equal(100, json.Phases[0].Scenarios[0].Steps[0].Count);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
