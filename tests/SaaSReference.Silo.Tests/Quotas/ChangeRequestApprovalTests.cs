using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Contracts.Tenants;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// 6.1.2a, 9.1.1c, 12.1.2f: a privileged change takes effect only when a different person with the approver role,
/// signed in with MFA, approves it; everyone else is refused and the request stays undecided.
/// </summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class ChangeRequestApprovalTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task Unfreeze_RequestedAndApprovedByAnother_TenantIsActive()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var requester = factory.Operator("op-ann");
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Customer paid; abuse explained.", payload = new { } });
        Assert.Equal("op-ann", request.GetProperty("requestedBy").GetString());
        Assert.Equal(TenantStatus.Frozen, (await factory.Tenant(tenant).GetStandingAsync())!.Status);

        using var approver = factory.Approver("ap-bob");
        using var approved = await approver.ApproveAsync(request, "Checked the payment.");
        var body = await approved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(approved.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("approved", body.GetProperty("status").GetString());
        Assert.Equal("ap-bob", body.GetProperty("decidedBy").GetString());
        Assert.Contains("active", body.GetProperty("outcome").GetString(), StringComparison.Ordinal);

        var standing = await factory.Tenant(tenant).GetStandingAsync();
        Assert.Equal(TenantStatus.Active, standing!.Status);
        var usage = await factory.Tenant(tenant).GetUsageAsync();
        var last = usage!.History[^1];
        Assert.Equal(("op-ann", "ap-bob"), (last.Actor, last.ApprovedBy));
    }

    [Fact]
    public async Task Approve_BySameSubject_Returns403SelfApprovalAndStaysPending()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var requester = factory.Operator("op-self");
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Self test." });

        using var sameSubject = factory.Approver("op-self");
        using var approve = await sameSubject.ApproveAsync(request);
        var problem = await IsProblemAsync(approve, HttpStatusCode.Forbidden);
        Assert.EndsWith("/self-approval", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        using var reject = await sameSubject.RejectAsync(request);
        await IsProblemAsync(reject, HttpStatusCode.Forbidden);

        Assert.Equal("pending", (await factory.GetRequestAsync(request)).GetProperty("status").GetString());
        Assert.Equal(TenantStatus.Frozen, (await factory.Tenant(tenant).GetStandingAsync())!.Status);
    }

    [Fact]
    public async Task Approve_SamePersonAfterRoleChangeFromOperatorToApprover_IsRefused()
    {
        var tenant = await factory.CreateTenantAsync();
        // Carol requests while she is an operator...
        using (var carolAsOperator = factory.Operator("user-carol"))
        {
            var request = await carolAsOperator.RequestAsync(new { kind = "plan-change", tenantId = tenant, reason = "Upgrade.", payload = new { plan = "premium" } });
            // ...and is then made an approver: a new token, new role, MFA, the same subject.
            using var carolAsApprover = factory.Approver("user-carol");
            using var response = await carolAsApprover.ApproveAsync(request);
            var problem = await IsProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.EndsWith("/self-approval", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.Equal("pending", (await factory.GetRequestAsync(request)).GetProperty("status").GetString());
        }
        Assert.Equal("basic", (await factory.Tenant(tenant).GetStandingAsync())!.Plan);
    }

    public static TheoryData<string, string[], string[]> NotAllowedDeciders => new()
    {
        { "approver without MFA", [Roles.Approver], ["pwd"] },
        { "approver without any amr", [Roles.Approver], [] },
        { "operator with MFA", [Roles.Operator], ["pwd", "otp", "mfa"] },
        { "auditor with MFA", [Roles.Auditor], ["pwd", "otp", "mfa"] },
        { "operator and approver at once", [Roles.Operator, Roles.Approver], ["pwd", "otp", "mfa"] },
    };

    [Theory]
    [MemberData(nameof(NotAllowedDeciders))]
    public async Task Decide_ByPrincipalThatIsNotAnMfaApprover_Returns403AndStaysPending(string who, string[] roles, string[] amr)
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var requester = factory.Operator("op-dan");
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Test " + who });

        using var decider = factory.Staff("someone-else", roles, amr);
        using var approve = await decider.ApproveAsync(request);
        await IsProblemAsync(approve, HttpStatusCode.Forbidden);
        using var reject = await decider.RejectAsync(request);
        await IsProblemAsync(reject, HttpStatusCode.Forbidden);

        Assert.Equal("pending", (await factory.GetRequestAsync(request)).GetProperty("status").GetString());
        Assert.Equal(TenantStatus.Frozen, (await factory.Tenant(tenant).GetStandingAsync())!.Status);
    }

    [Fact]
    public async Task Decide_WithBootstrapOperatorKey_IsRefused_ButTheKeyMayRequest()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var bootstrap = factory.BootstrapOperator();
        var request = await bootstrap.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Requested with the bootstrap key." });
        Assert.Equal(OperatorKeyAuthenticationHandler.PrincipalName, request.GetProperty("requestedBy").GetString());

        using var approve = await bootstrap.ApproveAsync(request);
        await IsProblemAsync(approve, HttpStatusCode.Forbidden);
        // A token whose subject is the bootstrap principal's name is not that principal's second person either.
        using var impostor = factory.Approver(OperatorKeyAuthenticationHandler.PrincipalName);
        using var again = await impostor.ApproveAsync(request);
        await IsProblemAsync(again, HttpStatusCode.Forbidden);
        Assert.Equal("pending", (await factory.GetRequestAsync(request)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Decide_UnknownId_Returns404()
    {
        using var approver = factory.Approver("ap-eve");
        using var response = await approver.PostAsJsonAsync($"/api/change-requests/{Guid.NewGuid()}/approve", new { note = "?" });
        await IsProblemAsync(response, HttpStatusCode.NotFound);
        using var get = await approver.GetAsync($"/api/change-requests/{Guid.NewGuid()}");
        await IsProblemAsync(get, HttpStatusCode.NotFound);
        using var malformed = await approver.PostAsJsonAsync("/api/change-requests/not-a-guid/approve", new { note = "?" });
        await IsProblemAsync(malformed, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Decide_AlreadyApprovedOrRejected_Returns409()
    {
        var tenant = await factory.CreateTenantAsync();
        using var requester = factory.Operator("op-fay");
        var approvedOne = await requester.RequestAsync(new { kind = "plan-change", tenantId = tenant, reason = "Upgrade.", payload = new { plan = "standard" } });
        var rejectedOne = await requester.RequestAsync(new { kind = "plan-change", tenantId = tenant, reason = "Bigger upgrade.", payload = new { plan = "premium" } });

        using var first = factory.Approver("ap-gus");
        using (var ok = await first.ApproveAsync(approvedOne))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var rejected = await first.RejectAsync(rejectedOne, "Premium is not justified."))
        {
            var body = await rejected.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("rejected", body.GetProperty("status").GetString());
            Assert.Equal("Premium is not justified.", body.GetProperty("decisionNote").GetString());
        }

        using var second = factory.Approver("ap-hal");
        foreach (var request in new[] { approvedOne, rejectedOne })
        {
            using var approve = await second.ApproveAsync(request);
            var problem = await IsProblemAsync(approve, HttpStatusCode.Conflict);
            Assert.EndsWith("/already-decided", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            using var reject = await second.RejectAsync(request);
            await IsProblemAsync(reject, HttpStatusCode.Conflict);
        }
        Assert.Equal("standard", (await factory.Tenant(tenant).GetStandingAsync())!.Plan);
    }

    [Fact]
    public async Task Approve_StaleRequest_Returns409AndMarksItExpired()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var requester = factory.Operator("op-ida");
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Will go stale." });
        await factory.ExecuteSqlAsync("UPDATE platform.change_requests SET expires_at = now() - interval '1 second' WHERE id = $1", Guid.Parse(ChangeRequestSilo.Id(request)));

        using var approver = factory.Approver("ap-jon");
        using var response = await approver.ApproveAsync(request);
        var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.EndsWith("/expired", problem.GetProperty("type").GetString(), StringComparison.Ordinal);

        var stored = await factory.GetRequestAsync(request);
        Assert.Equal("expired", stored.GetProperty("status").GetString());
        Assert.Equal(TenantStatus.Frozen, (await factory.Tenant(tenant).GetStandingAsync())!.Status);
        using var again = await approver.ApproveAsync(request);
        await IsProblemAsync(again, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Approve_WhenTheWorldChangedSinceTheRequest_FailsWith409AndChangesNothing()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var requester = factory.Operator("op-kim");
        var first = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "First." });
        var second = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Duplicate." });

        using var approver = factory.Approver("ap-lou");
        using (var ok = await approver.ApproveAsync(first))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using var response = await approver.ApproveAsync(second);
        var problem = await IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.EndsWith("/change-failed", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Contains("only a frozen tenant", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var stored = await factory.GetRequestAsync(second);
        Assert.Equal("failed", stored.GetProperty("status").GetString());
        Assert.Contains("is active", stored.GetProperty("outcome").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_FiltersByTenantAndStatus_AndPagesNewestFirst()
    {
        var tenant = await factory.CreateTenantAsync();
        using var requester = factory.Operator("op-max");
        var made = new List<string>();
        foreach (var plan in new[] { "standard", "premium", "standard" })
        {
            made.Add(ChangeRequestSilo.Id(await requester.RequestAsync(new { kind = "plan-change", tenantId = tenant, reason = "Paging " + plan, payload = new { plan } })));
        }
        using var auditor = factory.Staff("aud-nia", [Roles.Auditor], "pwd");
        var page1 = await auditor.GetFromJsonAsync<JsonElement>($"/api/change-requests?tenantId={tenant}&status=pending&limit=2");
        var ids = page1.GetProperty("items").EnumerateArray().Select(ChangeRequestSilo.Id).ToList();
        var next = page1.GetProperty("nextAfter").GetString();
        var page2 = await auditor.GetFromJsonAsync<JsonElement>($"/api/change-requests?tenantId={tenant}&status=pending&limit=2&after={next}");
        ids.AddRange(page2.GetProperty("items").EnumerateArray().Select(ChangeRequestSilo.Id));
        Assert.Equal(Enumerable.Reverse(made), ids);
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("nextAfter").ValueKind);

        using var bad = await auditor.GetAsync("/api/change-requests?status=maybe");
        var problem = await IsProblemAsync(bad, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _));
        using var tenantUser = factory.CreateBearerClient(factory.Tokens.TenantUser(tenant));
        using var forbidden = await tenantUser.GetAsync("/api/change-requests");
        await IsProblemAsync(forbidden, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(Roles.Approver)]
    [InlineData(Roles.Auditor)]
    public async Task Request_ByNonOperator_Returns403(string role)
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        using var http = factory.Staff("not-an-operator", [role], "pwd", "otp", "mfa");
        using var response = await http.PostRequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Not mine to ask." });
        await IsProblemAsync(response, HttpStatusCode.Forbidden);
    }
}
