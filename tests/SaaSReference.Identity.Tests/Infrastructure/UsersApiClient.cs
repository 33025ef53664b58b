using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace SaaSReference.Identity.Tests.Infrastructure;

/// <summary>The body of <c>POST /api/users</c>, as a caller sends it.</summary>
public sealed record NewUserBody(string Email, string DisplayName, string? TenantId, string[] Roles, string Password)
{
    public static NewUserBody For(string? tenantId, string[] roles, string password = "quiet orange lantern 58") =>
        new($"n{Guid.NewGuid():N}@{tenantId ?? "platform"}.test", "New person", tenantId, roles, password);
}

/// <summary>Calls of the user administration API with a bearer token of a signed-in person.</summary>
public static class UsersApiClient
{
    public static async Task<HttpResponseMessage> CreateAsync(IdentityFactory identity, string callerEmail, NewUserBody body)
    {
        var http = identity.CreateHttpClient();
        var token = (await OAuth.SignInAsync(http, callerEmail)).AccessToken;
        return await SendAsync(http, token, "/identity/api/users", body);
    }

    public static Task<HttpResponseMessage> SendAsync(HttpClient http, string token, string path, NewUserBody? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}
