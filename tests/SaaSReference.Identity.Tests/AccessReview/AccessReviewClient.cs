using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.AccessReview;

/// <summary>One <c>audit.access-reviewed</c> record as stored in <c>platform.audit_events</c>.</summary>
public sealed record AccessReviewRecord(string Chain, string? TenantId, string Actor, string Target, string Outcome, string Severity,
    IReadOnlyDictionary<string, string> Fields);

/// <summary>Calls of <c>GET /identity/api/access-review</c> (9.4.1c) and reads of its audit records, for the tests.</summary>
internal static class AccessReviewClient
{
    public const string Path = "/identity/api/access-review";

    public static async Task<(HttpClient Http, string Token, string Subject)> SignInAsync(IdentityFactory identity, string email)
    {
        var http = identity.CreateHttpClient();
        var response = await OAuth.SignInAsync(http, email);
        return (http, response.AccessToken, response.Jwt.Subject);
    }

    public static Task<HttpResponseMessage> GetAsync(HttpClient http, string? token, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, query.Length == 0 ? Path : Path + "?" + query);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http.SendAsync(request);
    }

    /// <summary>The access review records of <paramref name="actor"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<AccessReviewRecord>> RecordsAsync(string connectionString, string actor)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT chain, tenant_id, actor, target, outcome, severity, fields::text FROM platform.audit_events " +
            "WHERE type = 'audit.access-reviewed' AND actor = @actor ORDER BY at, chain, seq", connection);
        command.Parameters.AddWithValue("actor", actor);
        await using var reader = await command.ExecuteReaderAsync();
        var records = new List<AccessReviewRecord>();
        while (await reader.ReadAsync())
        {
            var fields = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(6))!;
            records.Add(new AccessReviewRecord(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), fields));
        }
        return records;
    }

    /// <summary>TOTP enrolled as the enrollment page does it: a key, two-factor on, ten recovery codes (returned).</summary>
    public static async Task<IReadOnlyList<string>> EnrollAsync(IdentityFactory identity, string userId)
    {
        IReadOnlyList<string> codes = [];
        await TestUsers.UpdateAsync(identity, userId, async (users, user) =>
        {
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
            codes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10) ?? []];
        });
        return codes;
    }

    public static Task<string> IdOfAsync(IdentityFactory identity, string email) => TestUsers.WithAsync(identity, async services =>
        (await services.GetRequiredService<UserManager<PlatformUser>>().FindByEmailAsync(email))!.Id);

    /// <summary>A moment <paramref name="days"/> ago, in whole seconds (PostgreSQL keeps microseconds; JSON round-trips it exactly).</summary>
    public static DateTimeOffset DaysAgo(double days)
    {
        var at = DateTimeOffset.UtcNow.AddDays(-days);
        return new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }
}
