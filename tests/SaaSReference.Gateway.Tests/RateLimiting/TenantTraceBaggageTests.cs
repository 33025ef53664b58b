using System.Net;
using System.Net.Http.Json;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>
/// 12.4.3a: the gateway hands the silos the tenant it validated from the caller's token, in the trace's baggage, for
/// their spans down to the database; a tenant the client wrote into its own baggage header never goes further.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TenantTraceBaggageTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Key = "saasref.tenant.id";

    private static async Task<Echo> ForwardAsync(AdmissionStack stack, string path, string bearer, string clientBaggage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", bearer);
        request.Headers.Add("baggage", clientBaggage);
        using var response = await stack.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Echo>())!;
    }

    [Fact]
    public async Task Baggage_CarriesTheValidatedTenant_NeverTheClientsOwn()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync("trace-a", new QuotaOverrides(RequestsPerSecond: 100, Burst: 100));

        var tenantCall = await ForwardAsync(stack, "/api/tenants/trace-a/records", stack.Token("trace-a"), $"{Key}=trace-b");
        var staffCall = await ForwardAsync(stack, "/api/tenants", stack.StaffToken(), $"{Key}=trace-b");

        output.WriteLine($"tenant call baggage: {tenantCall.Baggage}; staff call baggage: {staffCall.Baggage}");
        // The propagator writes "key = value" pairs (W3C baggage allows the spaces).
        Assert.Contains($"{Key}=trace-a", (tenantCall.Baggage ?? "").Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("trace-b", tenantCall.Baggage ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain("trace-b", staffCall.Baggage ?? "", StringComparison.Ordinal);
    }
}
