using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Contracts.Quotas;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Database.Quotas;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>12.1.3f: the tenants' guaranteed rates together may exceed capacity only by the over-commit ratio.</summary>
public sealed class ChangeRequestCapacityPlannerTests
{
    private static readonly PlatformSettings Small = PlatformSettings.Defaults with { CapacityRequestsPerSecond = 10, OverCommitRatio = 3 }; // budget 30

    private static TenantStanding Tenant(string id, string plan = "basic", TenantStatus status = TenantStatus.Active, double? rps = null) =>
        new(id, status, StatusReason.None, plan, new QuotaOverrides(RequestsPerSecond: rps), 1);

    [Fact]
    public void Evaluate_NewTenantWithinBudget_IsAdmitted_OverBudget_IsRefusedWithTheNumbers()
    {
        ImmutableArray<TenantStanding> tenants = [Tenant("a"), Tenant("b")]; // 2 × 10
        Assert.True(CapacityPlanner.Evaluate(tenants, Small, Small, addedRate: 10).Admitted);
        var refused = CapacityPlanner.Evaluate(tenants, Small, Small, addedRate: 10.5);
        Assert.False(refused.Admitted);
        Assert.Equal((20.0, 30.5, 30.0), (refused.GuaranteedBefore, refused.GuaranteedAfter, refused.Budget));
        Assert.Contains("30.5", refused.Describe(), StringComparison.Ordinal);
        Assert.Contains("over-commit ratio 3", refused.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_CountsThrottledAndFrozenAtFullRate_AndTerminatedNotAtAll()
    {
        ImmutableArray<TenantStanding> tenants =
            [Tenant("a", status: TenantStatus.Throttled), Tenant("b", status: TenantStatus.Frozen), Tenant("c", "premium", TenantStatus.Terminated)];
        var check = CapacityPlanner.Evaluate(tenants, Small, Small);
        Assert.Equal(20, check.GuaranteedAfter);
    }

    [Fact]
    public void Evaluate_ChangeOfOneTenant_ReplacesItsRate()
    {
        ImmutableArray<TenantStanding> tenants = [Tenant("a"), Tenant("b")];
        Assert.True(CapacityPlanner.Evaluate(tenants, Small, Small, Tenant("a", rps: 20)).Admitted); // 20 + 10 = 30
        Assert.False(CapacityPlanner.Evaluate(tenants, Small, Small, Tenant("a", rps: 21)).Admitted);
        Assert.False(CapacityPlanner.Evaluate(tenants, Small, Small, Tenant("a", "premium")).Admitted); // 200 + 10
    }

    [Fact]
    public void Evaluate_OverBudgetAlready_AllowsReductionsButNotSmallerBudgets()
    {
        ImmutableArray<TenantStanding> tenants = [Tenant("a", rps: 40)]; // 40 > 30
        Assert.True(CapacityPlanner.Evaluate(tenants, Small, Small, Tenant("a", rps: 35)).Admitted);
        Assert.False(CapacityPlanner.Evaluate(tenants, Small, Small, Tenant("a", rps: 41)).Admitted);
        Assert.False(CapacityPlanner.Evaluate(tenants, Small, Small with { OverCommitRatio = 2 }).Admitted);
        Assert.True(CapacityPlanner.Evaluate(tenants, Small, Small with { OverCommitRatio = 4 }).Admitted);
    }

    [Fact]
    public void IsStale_UsesTheShorterOfItsExpiryAndTheCurrentLifetime()
    {
        var at = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var request = new ChangeRequest(Guid.NewGuid(), ChangeRequestKind.Unfreeze, "t1", ChangeRequestPayload.Empty, "r", "op", at, at.AddHours(24),
            ChangeRequestStatus.Pending, null, null, null, null);
        Assert.False(request.IsStale(at.AddHours(23), TimeSpan.FromHours(24)));
        Assert.True(request.IsStale(at.AddHours(24), TimeSpan.FromHours(48))); // a longer lifetime never revives it
        Assert.True(request.IsStale(at.AddHours(2), TimeSpan.FromHours(1))); // a shorter one applies at once
    }
}

/// <summary>Over-commit refusals on the real silo, at request and at approval time, and the admission check for new tenants.</summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class ChangeRequestCapacityTests(SecuredSiloFactory factory)
{
    private const string Filler = "zz-capacity-filler";

    [Fact]
    public async Task QuotaOverride_BeyondTheGuaranteeBudget_Returns409WithTheNumbers()
    {
        var tenant = await factory.CreateTenantAsync();
        using var http = factory.Operator("op-cap");
        using var response = await http.PostRequestAsync(new
        {
            kind = "quota-override", tenantId = tenant, reason = "Huge customer.",
            payload = new { overrides = new { requestsPerSecond = 90_000, burst = 90_000 } },
        });
        var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.EndsWith("/over-commit", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("guaranteedRequestsPerSecond").GetDouble() > problem.GetProperty("budgetRequestsPerSecond").GetDouble());
        Assert.Contains("over-commit ratio", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigurationChange_ShrinkingCapacityBelowTheGuarantees_Returns409()
    {
        await factory.CreateTenantAsync();
        using var http = factory.Operator("op-cap");
        var settings = await PlatformConfigurationTests.CurrentSettingsAsync(http);
        settings["capacityRequestsPerSecond"] = 1;
        settings["overCommitRatio"] = 1;
        using var response = await http.PostRequestAsync(new { kind = "configuration-change", reason = "Shrink.", payload = new { settings } });
        var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(1, problem.GetProperty("budgetRequestsPerSecond").GetDouble());
    }

    [Fact]
    public async Task PlanChange_AdmissibleWhenRequested_FailsAtApprovalWhenCapacityWasUsedMeanwhile()
    {
        var tenant = await factory.CreateTenantAsync();
        using var http = factory.Operator("op-cap");
        var request = await http.RequestAsync(new { kind = "plan-change", tenantId = tenant, reason = "Upgrade.", payload = new { plan = "premium" } });
        var planner = factory.Services.GetRequiredService<CapacityPlanner>();
        try
        {
            await FillBudgetAsync(planner, leave: 50); // premium needs 190 more than basic
            Assert.True((await planner.CanAdmitNewTenantAsync("basic")).Admitted);
            var premium = await planner.CanAdmitNewTenantAsync("premium");
            Assert.False(premium.Admitted);
            Assert.Contains("requests/s", premium.Describe(), StringComparison.Ordinal);

            using var approver = factory.Approver("ap-cap");
            using var response = await approver.ApproveAsync(request);
            var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
            Assert.Contains("over-commit ratio", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var stored = await factory.GetRequestAsync(request);
            Assert.Equal("failed", stored.GetProperty("status").GetString());
            Assert.Equal("basic", (await factory.Tenant(tenant).GetStandingAsync())!.Plan);
        }
        finally
        {
            await factory.ExecuteSqlAsync("DELETE FROM platform.tenant_limits WHERE tenant_id = $1", Filler);
        }
        Assert.True((await planner.CanAdmitNewTenantAsync("premium")).Admitted);
    }

    [Fact]
    public async Task CanAdmitNewTenant_UnknownPlan_IsNotAdmitted()
    {
        var planner = factory.Services.GetRequiredService<CapacityPlanner>();
        var check = await planner.CanAdmitNewTenantAsync("no-such-plan");
        Assert.False(check.Admitted);
        Assert.Contains("no-such-plan", check.Describe(), StringComparison.Ordinal);
        Assert.True((await planner.CanAdmitNewTenantAsync()).Admitted);
    }

    /// <summary>Stores a made-up tenant whose guaranteed rate leaves only <paramref name="leave"/> requests/s of the budget.</summary>
    private async Task FillBudgetAsync(CapacityPlanner planner, double leave)
    {
        var check = await planner.CanAdmitNewTenantAsync("basic");
        var fill = check.Budget - check.GuaranteedBefore - leave;
        var overrides = JsonSerializer.Serialize(new QuotaOverrides(RequestsPerSecond: fill), QuotaJson.Options);
        await factory.ExecuteSqlAsync(
            "INSERT INTO platform.tenant_limits (tenant_id, status, reason, plan, overrides, revision, updated_at) VALUES ($1, 'active', 'none', 'basic', $2::jsonb, 1, now())",
            Filler, overrides);
    }
}
