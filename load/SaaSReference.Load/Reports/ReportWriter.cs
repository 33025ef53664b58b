using System.Globalization;

namespace SaaSReference.Load.Reports;

/// <summary>Writes report.md, report.json and report.html to <c>&lt;root&gt;/&lt;scenario&gt;-&lt;timestamp&gt;/</c>.</summary>
public static class ReportWriter
{
    public static string Write(RunReport report, string root)
    {
        ArgumentNullException.ThrowIfNull(report);
        var stamp = report.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var folder = Path.Combine(root, $"{report.Scenario}-{stamp}");
        for (var n = 2; Directory.Exists(folder) && n < 100; n++)
        {
            folder = Path.Combine(root, $"{report.Scenario}-{stamp}-{n}");
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.md"), MarkdownReport.Render(report));
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonReport.Render(report));
        File.WriteAllText(Path.Combine(folder, "report.html"), HtmlReport.Render(report));
        return folder;
    }

    /// <summary><c>load/reports</c> of the repository the command runs in (git ignores it), else <c>./load-reports</c>.</summary>
    public static string DefaultRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SaaSReference.sln")))
            {
                return Path.Combine(dir.FullName, "load", "reports");
            }
        }
        return Path.Combine(start, "load-reports");
    }
}
