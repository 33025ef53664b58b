using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaaSReference.Database.Quotas;

/// <summary>How quota documents are stored (jsonb): the same camelCase shape the HTTP API shows.</summary>
public static class QuotaJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}
