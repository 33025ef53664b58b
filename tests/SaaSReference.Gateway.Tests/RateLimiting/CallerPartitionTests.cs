using System.Net;
using SaaSReference.Gateway.RateLimiting;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>12.1.3b: callers without a tenant have buckets of their own: staff per person, anyone else per address.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CallerPartitionTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Anonymous_OverItsLimit_Gets429_TokenEndpointCounts_SignInPagesDoNot()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output, new Dictionary<string, string?>
        {
            ["Gateway:RateLimiting:Anonymous:RequestsPerSecond"] = "0.1",
            ["Gateway:RateLimiting:Anonymous:Burst"] = "3",
        });

        var token = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Post, "/identity/connect/token");
            token.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var problem = await ProblemDetailsAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests);
                Assert.Equal("anonymous", problem.GetProperty("violated-policies")[0].GetString());
                Assert.Contains("per client address", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], token);

        // The same address, no token, on /api: the same (empty) bucket; a client-sent X-Forwarded-For changes nothing.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/tenants/any-co"))
        {
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            using var response = await stack.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        // Sign-in pages of the identity service are not counted.
        for (var i = 0; i < 5; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Get, "/identity/account/login");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Staff_BucketPerPerson_SeparateFromTenants()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output, new Dictionary<string, string?>
        {
            ["Gateway:RateLimiting:Staff:RequestsPerSecond"] = "0.1",
            ["Gateway:RateLimiting:Staff:Burst"] = "2",
        });
        var alice = stack.StaffToken("op-alice");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Get, "/api/tenants", bearer: alice);
            statuses.Add(response.StatusCode);
            Assert.StartsWith("\"staff\";q=2;", response.Headers.GetValues(RateLimitHeaders.PolicyField).Single(), StringComparison.Ordinal);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);

        using var bob = await stack.SendAsync(HttpMethod.Get, "/api/tenants", bearer: stack.StaffToken("op-bob"));
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        using var tenant = await stack.SendAsync(HttpMethod.Get, "/api/tenants/some-co", bearer: stack.Token("some-co"));
        Assert.Equal(HttpStatusCode.OK, tenant.StatusCode);
    }

    [Fact]
    public async Task StaffRoleAndTenantInOneToken_IsNotTrusted_ChargedAsAnonymous()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        var mixed = stack.Mint(new Dictionary<string, object> { ["sub"] = "mallory", ["tenant_id"] = "some-co", ["role"] = "operator" });

        using var response = await stack.SendAsync(HttpMethod.Get, "/api/tenants/some-co", bearer: mixed);

        Assert.StartsWith("\"anonymous\";", response.Headers.GetValues(RateLimitHeaders.PolicyField).Single(), StringComparison.Ordinal);
    }
}
