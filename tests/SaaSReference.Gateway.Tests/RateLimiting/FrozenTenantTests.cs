using System.Net;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Gateway.RateLimiting;
using SaaSReference.Gateway.Tests.Infrastructure;
using SaaSReference.Testing;
using Xunit.Abstractions;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>12.1.3c: a frozen tenant is refused at the gateway within a second, except reading and exporting its own.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FrozenTenantTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const string Tenant = "cold-co";
    private const string Records = "/api/tenants/cold-co/records";

    [Fact]
    public async Task Freeze_RefusedWithinOneSecond_ReadOnlyPathsStillPass_UnfreezeLetsThrough()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync(Tenant, QuotaOverrides.None);
        var token = stack.Token(Tenant);
        var (_, cookie) = await stack.SignIn.SignInAsync(user: SignInStack.User(tenant: Tenant));
        using var metrics = new AdmissionMetrics();
        using (var before = await stack.SendAsync(HttpMethod.Get, Records, bearer: token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await stack.SetStandingAsync(Tenant, QuotaOverrides.None, TenantStatus.Frozen, waitForGateway: false);
        var took = await AdmissionStack.WaitUntilAsync("the freeze applies", async () =>
        {
            using var response = await stack.SendAsync(HttpMethod.Get, Records, bearer: token);
            return response.StatusCode == HttpStatusCode.Forbidden;
        }, TimeSpan.FromSeconds(1));
        output.WriteLine($"freeze applied at the gateway after {took.TotalMilliseconds:F0} ms");
        var forwardedWhileFrozen = stack.SiloRequests(Records);

        // Refused for the session as for the token, with problem details that say why and what to do.
        using (var refused = await stack.SendAsync(HttpMethod.Get, Records, cookie: cookie))
        {
            var problem = await ProblemDetailsAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden);
            Assert.Equal(AdmissionProblems.TenantFrozenType, problem.GetProperty("type").GetString());
            Assert.Contains("frozen", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("operator", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Post, Records), (HttpMethod.Delete, "/api/tenants/cold-co"), (HttpMethod.Put, "/api/tenants/cold-co/usage"),
            (HttpMethod.Delete, "/api/tenants/cold-co/export/1"), (HttpMethod.Get, "/api/tenants/other-co/usage"),
        })
        {
            using var response = await stack.SendAsync(method, path, bearer: token);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {response.StatusCode}");
        }
        Assert.Equal(forwardedWhileFrozen, stack.SiloRequests(Records));
        Assert.True(metrics.Count(GatewayMetrics.RejectedName, Tenant, GatewayMetrics.ReasonFrozen) >= 6);

        // Its members may still read their status and usage and export their data.
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/tenants/cold-co"), (HttpMethod.Get, "/api/tenants/cold-co/usage"),
            (HttpMethod.Post, "/api/tenants/cold-co/export"), (HttpMethod.Get, "/api/tenants/cold-co/export/1/download"),
        })
        {
            using var response = await stack.SendAsync(method, path, bearer: token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {response.StatusCode}");
        }
        Assert.Equal(1, stack.SiloRequests("/api/tenants/cold-co/usage"));

        await stack.SetStandingAsync(Tenant, QuotaOverrides.None, TenantStatus.Active, waitForGateway: false);
        var back = await AdmissionStack.WaitUntilAsync("the unfreeze applies", async () =>
        {
            using var response = await stack.SendAsync(HttpMethod.Get, Records, bearer: token);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(1));
        output.WriteLine($"unfreeze applied at the gateway after {back.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Terminated_IsGone_AtTheGateway()
    {
        await using var stack = await AdmissionStack.StartAsync(postgres, output);
        await stack.SetStandingAsync(Tenant, QuotaOverrides.None, TenantStatus.Terminated);

        using var response = await stack.SendAsync(HttpMethod.Get, Records, bearer: stack.Token(Tenant));

        // 8.1.5d: not a freeze that could be lifted: the data is destroyed, 410.
        var problem = await ProblemDetailsAssert.IsProblemAsync(response, HttpStatusCode.Gone);
        Assert.Equal(AdmissionProblems.TenantTerminatedType, problem.GetProperty("type").GetString());
        Assert.Equal(0, stack.SiloRequests(Records));
    }
}
