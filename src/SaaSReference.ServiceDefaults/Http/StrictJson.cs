using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaaSReference.ServiceDefaults.Http;

/// <summary>
/// The API's JSON rules: camelCase, unknown members refused (a typo must not be silently dropped), required
/// constructor parameters and nullability enforced, enums as strings.
/// </summary>
public static class StrictJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowDuplicateProperties = false;
        options.PropertyNameCaseInsensitive = false;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
