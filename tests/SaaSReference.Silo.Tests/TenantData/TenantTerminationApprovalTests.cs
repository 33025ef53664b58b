using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SaaSReference.Database.TenantData.Keys;
using SaaSReference.Silo.TenantData;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantTerminationSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 8.1.5d-f, 6.1.2a: a second person approves a termination, and nothing is destroyed before both the approval and the end
/// of the grace period. Unapproved, self-approved, rejected or cancelled requests never execute.
/// </summary>
[Collection(TerminationCollection.Name)]
public sealed class TenantTerminationApprovalTests(TerminationSilo silo)
{
    [Fact]
    public async Task Termination_WithoutApproval_IsNeverExecuted_EvenAfterTheGracePeriod()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "noap", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Thinking about leaving.");
        await WaitUntilDueAsync(silo, Id(requested));

        // Polls after the grace period ended execute nothing: the approval is missing.
        var executed = await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.DoesNotContain(executed, t => t.TenantId == tenant);
        Assert.Equal("pending", (await GetTerminationAsync(admin, tenant)).GetProperty("state").GetString());
        using (var read = await admin.GetAsync($"/api/tenants/{tenant}/records/notes/n-1"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        Assert.Equal(1, (await silo.Service<ITenantKeyProvider>().UnwrapAsync(tenant, 1)).Version);

        // Approved after the grace period: executed at the next poll.
        using var approver = silo.Approver("ap-late");
        await ApproveAsync(approver, requested);
        var done = await WaitForStateAsync(silo, tenant, "executed");
        Assert.True(done.GetProperty("executedAt").GetDateTimeOffset() >= done.GetProperty("approvedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Termination_ApprovedBeforeTheGracePeriodEnds_WaitsForIt()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "wait", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Leaving next month.");
        // The grace period of a real contract (30 days by default), set on this request.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now() + interval '30 days' WHERE termination_id = $1", Id(requested));
        using var approver = silo.Approver("ap-early");
        await ApproveAsync(approver, requested);

        var executed = await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.DoesNotContain(executed, t => t.TenantId == tenant);
        var approved = await GetTerminationAsync(admin, tenant);
        Assert.Equal("approved", approved.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, approved.GetProperty("executionStartedAt").ValueKind);
        // The tenant keeps working through the grace period: reads, writes.
        using (var write = await TenantDataClient.PutRecordAsync(admin, tenant, "notes", "n-2", new { text = "still here" }))
        {
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        }

        // The grace period ends: executed, never before its end.
        await ExecuteSqlAsync(silo.PlatformConnectionString,
            "UPDATE platform.tenant_terminations SET execute_after = now() WHERE termination_id = $1", Id(requested));
        var done = await WaitForStateAsync(silo, tenant, "executed");
        Assert.True(done.GetProperty("executionStartedAt").GetDateTimeOffset() >= done.GetProperty("executeAfter").GetDateTimeOffset());
        Assert.Equal(2L, done.GetProperty("evidence").GetProperty("droppedRows").GetProperty("records").GetInt64());
    }

    [Fact]
    public async Task Approval_ByTheRequesterThemself_IsRefused()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "self", "kept");
        using var admin = silo.Admin(tenant, "admin-self-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Self approval test.");

        // The same person (token subject), with an approver's role and MFA.
        using var sameSubject = silo.Approver("admin-self-" + tenant);
        using var approve = await sameSubject.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(requested)}/approve", new { note = "mine" });
        var problem = await IsProblemAsync(approve, HttpStatusCode.Forbidden);
        Assert.EndsWith("/self-approval", problem.GetProperty("type").GetString(), StringComparison.Ordinal);

        await WaitUntilDueAsync(silo, Id(requested));
        await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.Equal("pending", (await GetTerminationAsync(admin, tenant)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task CancelledTermination_IsNeverExecuted()
    {
        // Cancelled by the tenant's admin after the approval, during the grace period.
        var approvedThenCancelled = await CreateTenantWithRecordAsync(silo, "canc", "kept");
        using var admin = silo.Admin(approvedThenCancelled, "admin-" + approvedThenCancelled);
        var first = await RequestAsync(admin, approvedThenCancelled, "Maybe.");
        using var approver = silo.Approver("ap-cancel");
        await ApproveAsync(approver, first);
        using (var cancel = await admin.DeleteAsync($"/api/tenants/{approvedThenCancelled}/termination"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            var body = await cancel.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("cancelled", body.GetProperty("state").GetString());
            Assert.Equal("admin-" + approvedThenCancelled, body.GetProperty("cancelledBy").GetString());
        }

        // Cancelled by an operator before the approval: its change request is withdrawn and can no longer be approved.
        var cancelledByOperator = await CreateTenantWithRecordAsync(silo, "canop", "kept");
        using var otherAdmin = silo.Admin(cancelledByOperator, "admin-" + cancelledByOperator);
        var second = await RequestAsync(otherAdmin, cancelledByOperator, "Maybe not.");
        using var op = silo.Operator("op-cancel");
        using (var cancel = await op.DeleteAsync($"/api/tenants/{cancelledByOperator}/termination"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }
        using (var approve = await approver.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(second)}/approve", new { note = "too late" }))
        {
            var problem = await IsProblemAsync(approve, HttpStatusCode.Conflict);
            Assert.EndsWith("/already-decided", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        using (var again = await op.DeleteAsync($"/api/tenants/{cancelledByOperator}/termination"))
        {
            var problem = await IsProblemAsync(again, HttpStatusCode.Conflict);
            Assert.Equal(TenantTerminationProblems.NotCancellableType, problem.GetProperty("type").GetString());
        }

        await WaitUntilDueAsync(silo, Id(first));
        await WaitUntilDueAsync(silo, Id(second));
        var executed = await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        Assert.DoesNotContain(executed, t => t.TenantId == approvedThenCancelled || t.TenantId == cancelledByOperator);
        foreach (var (tenant, client) in new[] { (approvedThenCancelled, admin), (cancelledByOperator, otherAdmin) })
        {
            Assert.Equal("cancelled", (await GetTerminationAsync(client, tenant)).GetProperty("state").GetString());
            using var read = await client.GetAsync($"/api/tenants/{tenant}/records/notes/n-1");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(1, (await silo.Service<ITenantKeyProvider>().UnwrapAsync(tenant, 1)).Version);
        }
        var types = await AuditTypesAsync(silo, approvedThenCancelled);
        Assert.Contains("tenant-data.termination-cancelled", types);
        Assert.DoesNotContain("tenant-data.terminated", types);

        // A cancelled request does not stand in the way of a new one.
        var renewed = await RequestAsync(admin, approvedThenCancelled, "Now for real.");
        Assert.NotEqual(Id(first), Id(renewed));
    }

    [Fact]
    public async Task RejectedApproval_ClosesTheTermination()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "rej", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        var requested = await RequestAsync(admin, tenant, "Please terminate.");
        using var approver = silo.Approver("ap-reject");
        using (var reject = await approver.PostAsJsonAsync($"/api/change-requests/{ChangeRequestId(requested)}/reject", new { note = "Unpaid invoices first." }))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }
        await silo.Service<TenantTerminationWorker>().RunOnceAsync();
        var closed = await GetTerminationAsync(admin, tenant);
        Assert.Equal("cancelled", closed.GetProperty("state").GetString());
        Assert.Equal("ap-reject", closed.GetProperty("cancelledBy").GetString());
        Assert.Contains("Unpaid invoices first.", closed.GetProperty("cancelReason").GetString(), StringComparison.Ordinal);
    }
}
