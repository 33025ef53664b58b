using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SaaSReference.Identity.Data;
using SaaSReference.Identity.Tests.Infrastructure;

namespace SaaSReference.Identity.Tests.Protocol;

[Collection(ProtocolCollection.Name)]
public sealed class UserInfoAndHealthTests(IdentityEnvironment environment)
{
    [Fact]
    public async Task UserInfo_WithAccessToken_ReturnsThePersonAndIsNotCached()
    {
        var http = environment.Identity.CreateHttpClient();
        var tokens = await OAuth.SignInAsync(http, TestSeed.AcmeUser);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/identity/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(tokens.Jwt.Subject, body.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task UserInfo_WithoutToken_IsRefused()
    {
        using var response = await environment.Identity.CreateHttpClient().GetAsync("/identity/connect/userinfo");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("\"sub\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/identity/health/ready")]
    [InlineData("/health/ready")]
    public async Task Readiness_DatabaseAnswers_IsHealthy(string path)
    {
        using var response = await environment.Identity.CreateHttpClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readiness_DatabaseUnreachable_IsUnhealthy()
    {
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2");

        var result = await new DatabaseReadinessCheck(unreachable).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }
}
