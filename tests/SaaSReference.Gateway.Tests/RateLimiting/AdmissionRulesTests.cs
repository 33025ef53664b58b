using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.Gateway.RateLimiting;

namespace SaaSReference.Gateway.Tests.RateLimiting;

/// <summary>The pure rules of the admission control (12.1.3b/c).</summary>
public sealed class AdmissionRulesTests
{
    [Theory]
    [InlineData("GET", "/api/tenants/acme", true)]
    [InlineData("HEAD", "/api/tenants/acme/", true)]
    [InlineData("GET", "/api/tenants/acme/usage", true)]
    [InlineData("GET", "/API/Tenants/acme/Usage", true)]
    [InlineData("POST", "/api/tenants/acme/export", true)]
    [InlineData("GET", "/api/tenants/acme/export/42", true)]
    [InlineData("GET", "/api/tenants/acme/export/42/download", true)]
    [InlineData("POST", "/api/tenants/acme/usage", false)]
    [InlineData("DELETE", "/api/tenants/acme", false)]
    [InlineData("PUT", "/api/tenants/acme/export/42", false)]
    [InlineData("DELETE", "/api/tenants/acme/export/42", false)]
    [InlineData("GET", "/api/tenants/acme/records", false)]
    [InlineData("GET", "/api/tenants/acme/usage/more", false)]
    [InlineData("GET", "/api/tenants/acme//usage", false)]
    [InlineData("GET", "/api/tenants/acme/export//x", false)]
    [InlineData("GET", "/api/tenants/acme/export%2F..%2Frecords", false)]
    [InlineData("GET", "/api/tenants/ACME/usage", false)]
    [InlineData("GET", "/api/tenants/acme-2/usage", false)]
    [InlineData("GET", "/api/tenants", false)]
    [InlineData("GET", "/api/other/acme", false)]
    public void FrozenTenantAccess_OnlyOwnStatusUsageAndExport(string method, string path, bool allowed) =>
        Assert.Equal(allowed, FrozenTenantAccess.Allows(method, new PathString(path), "acme"));

    [Theory]
    [InlineData("POST", "/api/tenants/acme/termination", true)]
    [InlineData("GET", "/api/tenants/acme/termination", true)]
    [InlineData("DELETE", "/api/tenants/acme/termination", true)]
    [InlineData("PUT", "/api/tenants/acme/termination", false)]
    [InlineData("GET", "/api/tenants/acme/termination/x", false)]
    [InlineData("POST", "/api/tenants/other/termination", false)]
    public void FrozenTenantAccess_FrozenTenantCanStillEndItsContract(string method, string path, bool allowed) =>
        Assert.Equal(allowed, FrozenTenantAccess.Allows(method, new PathString(path), "acme"));

    [Theory]
    [InlineData("GET", "/api/tenants/acme", true)]
    [InlineData("GET", "/api/tenants/acme/usage", true)]
    [InlineData("GET", "/api/tenants/acme/termination", true)]
    [InlineData("GET", "/api/tenants/acme/export", false)]
    [InlineData("POST", "/api/tenants/acme/export", false)]
    [InlineData("DELETE", "/api/tenants/acme/termination", false)]
    [InlineData("GET", "/api/tenants/acme/records/notes", false)]
    public void FrozenTenantAccess_TerminatedTenant_OnlyReadsWhatIsLeft(string method, string path, bool allowed) =>
        Assert.Equal(allowed, FrozenTenantAccess.Allows(method, new PathString(path), "acme", terminated: true));

    [Theory]
    [InlineData("/api/tenants", AdmissionScope.Api)]
    [InlineData("/API/x", AdmissionScope.Api)]
    [InlineData("/api", AdmissionScope.Api)]
    [InlineData("/apix", AdmissionScope.None)]
    [InlineData("/identity/connect/token", AdmissionScope.TokenEndpoint)]
    [InlineData("/Identity/Connect/Token/", AdmissionScope.TokenEndpoint)]
    [InlineData("/identity/connect/authorize", AdmissionScope.None)]
    [InlineData("/identity/account/login", AdmissionScope.None)]
    [InlineData("/health", AdmissionScope.None)]
    public void AdmissionScopes_ApiAndTokenEndpointOnly(string path, AdmissionScope expected) =>
        Assert.Equal(expected, AdmissionScopes.Of(new PathString(path)));

    [Theory]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("::ffff:192.0.2.10", "192.0.2.10")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Caller_Anonymous_PerAddress_Ipv6Per64(string address, string expected) =>
        Assert.Equal(new Caller(CallerKind.Anonymous, expected), Caller.Anonymous(IPAddress.Parse(address)));

    [Fact]
    public void LimitPolicy_Tenant_EffectiveLimitsSharedOverInstances()
    {
        var settings = PlatformSettings.Defaults;
        var options = new GatewayRateLimitingOptions { GatewayInstances = 3 };
        var standing = new TenantStanding("acme", TenantStatus.Active, StatusReason.None, "standard", new QuotaOverrides(Burst: 100), 1);

        var policy = LimitPolicy.For(Caller.Tenant("acme"), standing, settings, options);

        // standard: 50/s; burst overridden to 100; a third each, the burst rounded up.
        Assert.Equal(new LimitPolicy("tenant", "tenant:acme", 50 / 3.0, 34), policy);
    }

    [Fact]
    public void LimitPolicy_Throttled_NewKeyWithReducedLimits()
    {
        var settings = PlatformSettings.Defaults;
        var options = new GatewayRateLimitingOptions();
        var active = new TenantStanding("acme", TenantStatus.Active, StatusReason.None, "basic", QuotaOverrides.None, 1);

        var before = LimitPolicy.For(Caller.Tenant("acme"), active, settings, options);
        var after = LimitPolicy.For(Caller.Tenant("acme"), active with { Status = TenantStatus.Throttled, Revision = 2 }, settings, options);

        Assert.Equal((10.0, 20), (before.RequestsPerSecond, before.Burst));
        Assert.Equal((5.0, 10), (after.RequestsPerSecond, after.Burst));
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void LimitPolicy_UnknownTenant_DefaultPlan()
    {
        var policy = LimitPolicy.For(Caller.Tenant("new-co"), null, PlatformSettings.Defaults, new GatewayRateLimitingOptions());

        Assert.Equal((10.0, 20), (policy.RequestsPerSecond, policy.Burst));
    }

    [Theory]
    [InlineData(10, 20, "\"tenant\";q=20;w=2")]
    [InlineData(3, 5, "\"tenant\";q=5;w=2")]
    [InlineData(0.5, 1, "\"tenant\";q=1;w=2")]
    [InlineData(1000, 10, "\"tenant\";q=10;w=1")]
    public void RateLimitHeaders_Policy_BurstOverFillTimeRoundedUp(double rate, int burst, string expected) =>
        Assert.Equal(expected, RateLimitHeaders.PolicyValue(new LimitPolicy("tenant", "tenant:x", rate, burst)));

    [Fact]
    public void RateLimitHeaders_RetryAfter_WholeSecondsAtLeastOne()
    {
        var fast = new LimitPolicy("tenant", "tenant:x", 50, 1);
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = fast.TokenInterval, AutoReplenishment = false, QueueLimit = 0,
        });
        using var first = limiter.AttemptAcquire();
        using var refused = limiter.AttemptAcquire();

        Assert.True(first.IsAcquired);
        Assert.False(refused.IsAcquired);
        Assert.Equal(1, RateLimitHeaders.RetryAfterSeconds(refused, fast));
        Assert.Equal("\"tenant\";r=0;t=1", RateLimitHeaders.Value(fast, 0, 1));
        Assert.Equal("\"tenant\";r=1", RateLimitHeaders.Value(fast, 1, null));
    }

    [Theory]
    [InlineData("2030-01-02T03:04:17Z", 10, "2030-01-02T03:04:10Z")]
    [InlineData("2030-01-02T03:04:10Z", 10, "2030-01-02T03:04:10Z")]
    [InlineData("2030-01-02T03:04:59.999Z", 60, "2030-01-02T03:04:00Z")]
    public void RejectionCounter_WindowStart_AlignedToUnixEpoch(string now, int windowSeconds, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            SaaSReference.Database.Quotas.LimitRejectionStore.WindowStart(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(windowSeconds)));
}
