using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaaSReference.Load.Reports;

/// <summary>The report as JSON, for scripts (the wrk cross-check reads it) and for comparing runs.</summary>
public static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Render(RunReport report) => JsonSerializer.Serialize(report, Options);

    public static RunReport? Parse(string json) => JsonSerializer.Deserialize<RunReport>(json, Options);
}
