using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace SaaSReference.EndToEnd.Tests;

/// <summary>
/// 9.1.1a, 17.2.1a: the identity service has no single point of failure. With one of its two instances
/// killed (SIGKILL), a tenant's machine client keeps obtaining tokens through the gateway from the other
/// instance (they share signing keys through PostgreSQL), and the silos accept those tokens.
/// </summary>
public sealed partial class IdentityFailoverTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Identity_OneInstanceKilled_TokensStillIssuedAndAccepted()
    {
        var cluster = fixture.Cluster;
        using var gateway = await BothInstancesInRotationAsync();
        await AssertTokenWorksAsync(gateway, await RequestTokenAsync(gateway) ?? throw new InvalidOperationException("no token before the kill:\n" + cluster.Diagnostics()));

        var victim = cluster.Identities[0];
        await victim.KillAsync();
        var clock = Stopwatch.StartNew();
        int failures = 0, streak = 0;
        string? token = null;
        TimeSpan lastFailure = TimeSpan.Zero;
        while (streak < 10 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            token = await RequestTokenAsync(gateway);
            if (token is null)
            {
                failures++;
                streak = 0;
                lastFailure = clock.Elapsed;
                await Task.Delay(200);
            }
            else
            {
                streak++;
            }
        }
        output.WriteLine($"identity instance killed: {failures} failed token requests, the last {lastFailure.TotalSeconds:F1} s after the kill");
        Assert.True(streak >= 10, $"tokens were not issued again after the kill ({failures} failures):\n{cluster.Diagnostics()}");
        await AssertTokenWorksAsync(gateway, token!);

        victim.Start();
        await victim.WaitUntilHealthyAsync();
    }

    private async Task<string?> RequestTokenAsync(HttpClient gateway)
    {
        try
        {
            using var response = await gateway.PostAsync(new Uri("identity/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = fixture.MachineClient.ClientId,
                ["client_secret"] = fixture.MachineClient.ClientSecret,
                ["scope"] = "api",
            }));
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return body.GetProperty("access_token").GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task AssertTokenWorksAsync(HttpClient gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/tenants/{ClusterFixture.MachineTenant}", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await gateway.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"the API refused the machine client's token: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

        using var other = new HttpRequestMessage(HttpMethod.Get, new Uri("api/tenants/someone-else", UriKind.Relative));
        other.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var refused = await gateway.SendAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
