using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;
using static SaaSReference.Identity.Tests.AccessReview.AccessReviewClient;

namespace SaaSReference.Identity.Tests.AccessReview;

/// <summary>
/// 9.4.1c: the access review report. Operators and auditors review any tenant and the platform's staff, a tenant
/// administrator only its own tenant; every account with its roles, MFA state, last sign-in and lockout, flagged for
/// review (9.2.x: accounts to remove or fix); every report is an <c>audit.access-reviewed</c> record committed before the
/// answer (12.4.3a, 9.4.4b). Each test reviews a tenant of its own, so no two tests see each other's accounts. This part
/// holds the shared environment and helpers; the tests are in parts by what they check (the report, the reviewers, the
/// query).
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed partial class AccessReviewApiTests(IdentityEnvironment environment)
{
    private IdentityFactory Identity => environment.Identity;

    private static Task Set(PlatformUser user, DateTimeOffset? lastSignIn = null, DateTimeOffset? createdAt = null)
    {
        user.LastSignInAt = lastSignIn ?? user.LastSignInAt;
        user.CreatedAt = createdAt ?? user.CreatedAt;
        return Task.CompletedTask;
    }

    private static async Task<Dictionary<string, string[]>> UsersAsync(HttpClient http, string token, string query)
    {
        using var response = await GetAsync(http, token, query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        return report.GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("id").GetString()!, u => Strings(u.GetProperty("flags")), StringComparer.Ordinal);
    }

    private static JsonElement Find(IEnumerable<JsonElement> users, string id) =>
        Assert.Single(users, user => user.GetProperty("id").GetString() == id);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
