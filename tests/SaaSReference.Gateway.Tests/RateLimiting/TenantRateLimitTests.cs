using System.Net;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Gateway.RateLimiting;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>12.1.3b: a tenant over its rate is answered 429 at the gateway; no other tenant notices.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TenantRateLimitTests(PostgresFixture postgres, ITestOutputHelper output)
{
    // One token every 10 s: within a test, a tenant gets exactly its burst.
    private static readonly QuotaOverrides Slow = new(RequestsPerSecond: 0.1, Burst: 5);

    [Fact]
    public async Task OverBurst_SessionTenant_Gets429WithRetryAfterAndRateLimitFields_SiloSeesNone()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync("rate-a", Slow);
        await stack.SetStandingAsync("rate-b", new QuotaOverrides(RequestsPerSecond: 0.1, Burst: 10));
        var (_, cookie) = await stack.SignIn.SignInAsync(user: SignInStack.User(tenant: "rate-a"));
        var tokenB = stack.Token("rate-b");
        const string PathA = "/api/tenants/rate-a/records";
        const string PathB = "/api/tenants/rate-b/records";
        using var metrics = new AdmissionMetrics();

        var statusesA = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10; i++)
        {
            var response = await stack.SendAsync(HttpMethod.Get, PathA, cookie: cookie);
            statusesA.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && refused is null)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
            // The other tenant, at the same time, from the same address: every request passes (12.1.3b).
            if (i % 2 == 0)
            {
                using var other = await stack.SendAsync(HttpMethod.Get, PathB, bearer: tokenB);
                Assert.Equal(HttpStatusCode.OK, other.StatusCode);
                Assert.Equal("\"tenant\";q=10;w=100", other.Headers.GetValues(RateLimitHeaders.PolicyField).Single());
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 5)], statusesA);
        Assert.Equal(5, stack.SiloRequests(PathA));
        Assert.Equal(5, stack.SiloRequests(PathB));

        using (refused)
        {
            var problem = await ProblemDetailsAssert.IsProblemAsync(refused!, HttpStatusCode.TooManyRequests);
            Assert.Equal(RateLimitHeaders.QuotaExceededType, problem.GetProperty("type").GetString());
            Assert.Contains("'rate-a'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("bursts of up to 5", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("tenant", problem.GetProperty("violated-policies")[0].GetString());
            var retryAfter = refused!.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 10);
            Assert.Equal("\"tenant\";q=5;w=50", refused.Headers.GetValues(RateLimitHeaders.PolicyField).Single());
            Assert.Equal($"\"tenant\";r=0;t={retryAfter.Value.TotalSeconds}", refused.Headers.GetValues(RateLimitHeaders.Field).Single());
        }

        // 6 (12.1.3a): admitted and refused per tenant and reason.
        Assert.Equal(5, metrics.Count(GatewayMetrics.AdmittedName, "rate-a"));
        Assert.Equal(5, metrics.Count(GatewayMetrics.RejectedName, "rate-a", GatewayMetrics.ReasonRate));
        Assert.Equal(0, metrics.Count(GatewayMetrics.RejectedName, "rate-b", GatewayMetrics.ReasonRate));

        // 12.1.3c: the refusals reach platform.limit_rejections (flushed every second) for the abuse policy.
        var took = await AdmissionStack.WaitUntilAsync("refusals flushed", async () => await stack.RejectionsInDatabaseAsync("rate-a") == 5,
            TimeSpan.FromSeconds(5));
        output.WriteLine($"refusals in platform.limit_rejections after {took.TotalMilliseconds:F0} ms");
        Assert.Equal(0, await stack.RejectionsInDatabaseAsync("rate-b"));
    }

    [Fact]
    public async Task Admitted_TenantRequest_CarriesRemainingTokens()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync("rate-c", Slow);
        var token = stack.Token("rate-c");

        using var first = await stack.SendAsync(HttpMethod.Get, "/api/tenants/rate-c", bearer: token);
        using var second = await stack.SendAsync(HttpMethod.Get, "/api/tenants/rate-c", bearer: token);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("\"tenant\";r=4;t=10", first.Headers.GetValues(RateLimitHeaders.Field).Single());
        Assert.Equal("\"tenant\";r=3;t=10", second.Headers.GetValues(RateLimitHeaders.Field).Single());
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("stranger-key")]
    [InlineData("tampered-payload")]
    [InlineData("wrong-issuer")]
    public async Task ForgedToken_NamingAnotherTenant_DoesNotSpendItsBucket(string forgery)
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync("victim-co", new QuotaOverrides(RequestsPerSecond: 0.1, Burst: 3));
        var forged = Forge(stack, forgery, "victim-co");

        for (var i = 0; i < 10; i++)
        {
            using var attack = await stack.SendAsync(HttpMethod.Get, "/api/tenants/victim-co/records", bearer: forged);
            // Not refused here (the silo answers 401), only charged to the sender's address.
            Assert.Equal(HttpStatusCode.OK, attack.StatusCode);
            Assert.StartsWith("\"anonymous\";", attack.Headers.GetValues(RateLimitHeaders.PolicyField).Single(), StringComparison.Ordinal);
        }

        var token = stack.Token("victim-co");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Get, "/api/tenants/victim-co/records", bearer: token);
            statuses.Add(response.StatusCode);
        }
        // The victim's whole burst is still there, and no more than that.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task PlanChange_HigherLimits_ApplyWithinTwoSeconds()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync("grow-co", new QuotaOverrides(RequestsPerSecond: 0.1, Burst: 2));
        var token = stack.Token("grow-co");
        const string Path = "/api/tenants/grow-co/records";
        for (var i = 0; i < 2; i++)
        {
            using var admitted = await stack.SendAsync(HttpMethod.Get, Path, bearer: token);
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }
        using (var refused = await stack.SendAsync(HttpMethod.Get, Path, bearer: token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // An approved upgrade, written by the tenant grain: the gateway must not wait for its own copy to expire.
        await stack.SetStandingAsync("grow-co", QuotaOverrides.None, plan: "premium", waitForGateway: false);
        var took = await AdmissionStack.WaitUntilAsync("the new plan applies", async () =>
        {
            using var response = await stack.SendAsync(HttpMethod.Get, Path, bearer: token);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(2));
        output.WriteLine($"plan change applied after {took.TotalMilliseconds:F0} ms");

        // Premium: 200/s, burst 400.
        for (var i = 0; i < 30; i++)
        {
            using var response = await stack.SendAsync(HttpMethod.Get, Path, bearer: token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("\"tenant\";q=400;w=2", response.Headers.GetValues(RateLimitHeaders.PolicyField).Single());
        }
    }

    [Fact]
    public async Task UnknownTenant_ValidToken_GetsTheDefaultPlan()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);

        using var response = await stack.SendAsync(HttpMethod.Get, "/api/tenants/new-co", bearer: stack.Token("new-co"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var basic = PlatformSettings.Defaults.FindPlan("basic")!.Limits;
        Assert.Equal($"\"tenant\";q={basic.Burst};w=2", response.Headers.GetValues(RateLimitHeaders.PolicyField).Single());
    }

    private static string Forge(AdmissionStack stack, string forgery, string tenantId)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "mallory", ["tenant_id"] = tenantId };
        switch (forgery)
        {
            case "unsigned":
                var header = System.Buffers.Text.Base64Url.EncodeToString(
                    System.Text.Encoding.UTF8.GetBytes($$"""{"alg":"none","typ":"at+jwt","kid":"{{stack.KeyId}}"}"""));
                return $"{header}.{stack.Token(tenantId).Split('.')[1]}.";
            case "stranger-key":
                // Signed, with the real key's id, by a key the identity service never had.
                using (var rsa = System.Security.Cryptography.RSA.Create(2048))
                {
                    var stranger = new Microsoft.IdentityModel.Tokens.RsaSecurityKey(rsa.ExportParameters(true)) { KeyId = stack.KeyId };
                    return stack.Mint(claims, new Microsoft.IdentityModel.Tokens.SigningCredentials(stranger, "RS256"));
                }
            case "tampered-payload":
                // A real token of another tenant with its payload swapped for one naming the victim.
                var real = stack.Token("mallory-co").Split('.');
                return $"{real[0]}.{stack.Token(tenantId).Split('.')[1]}.{real[2]}";
            case "wrong-issuer":
                // Correctly signed, but for another issuer: not a token of this platform's identity service.
                return stack.Mint(claims, issuer: "http://127.0.0.1:1/elsewhere/");
            default:
                throw new ArgumentOutOfRangeException(nameof(forgery));
        }
    }
}
