using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Security;
using SaaSReference.Silo.Tests.Quotas;
using SaaSReference.Silo.Tests.Security;
using static SaaSReference.Silo.Tests.ProblemAssert;

namespace SaaSReference.Silo.Tests.Audit;

/// <summary>
/// 12.4.3d, 9.4.4b: the privileged-use review through the API flags an operator's refused self-approval made through
/// the change request workflow, with evidence that points at the refusal in the tenant's chain; only operators and
/// auditors may produce it, and producing it is recorded before it is answered.
/// </summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class AuditReviewApiTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task Review_SelfApprovalThroughTheWorkflow_Flagged_AndTheReviewIsRecorded()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        var subject = "op-rev-" + Guid.NewGuid().ToString("N")[..6];
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        using var requester = factory.Operator(subject);
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Reviewed request." });
        using (var self = await factory.Approver(subject).ApproveAsync(request))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        }
        using var auditor = factory.Staff("aud-rev", [Roles.Auditor], "pwd");

        var report = await auditor.GetFromJsonAsync<JsonElement>(
            $"/api/audit/reviews/privileged-use?from={from:yyyy-MM-ddTHH:mm:ssZ}&to={DateTimeOffset.UtcNow.AddMinutes(1):yyyy-MM-ddTHH:mm:ssZ}");

        var finding = Assert.Single(report.GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("kind").GetString() == "self-approval-refused" && f.GetProperty("actor").GetString() == subject);
        Assert.Equal(1, finding.GetProperty("count").GetInt64());
        Assert.StartsWith($"tenant:{tenant}#", Assert.Single(finding.GetProperty("evidence").EnumerateArray()).GetString(), StringComparison.Ordinal);
        var acts = Assert.Single(report.GetProperty("privilegedActs").EnumerateArray(), a => a.GetProperty("actor").GetString() == subject);
        Assert.True(acts.GetProperty("byType").TryGetProperty("change-request.requested", out _), acts.ToString());
        var now = DateTimeOffset.UtcNow;
        var reviews = await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(null, AuditEventTypes.AuditReviewed.Name, "aud-rev", now.AddMinutes(-5), now.AddMinutes(1), 10, null));
        Assert.Contains(reviews.Records, r => r.Fields["report"] == "privileged-use" && r.Chain == "platform");
    }

    [Fact]
    public async Task Review_NotStaff_Refused()
    {
        var tenant = await factory.CreateTenantAsync();
        using var admin = factory.CreateBearerClient(factory.Tokens.Mint(new() { ["sub"] = "adm", ["tenant_id"] = tenant, ["role"] = new[] { "tenant-admin" } }));
        using var approver = factory.Approver("ap-rev");

        await IsProblemAsync(await admin.GetAsync("/api/audit/reviews/privileged-use"), HttpStatusCode.Forbidden);
        await IsProblemAsync(await approver.GetAsync("/api/audit/reviews/privileged-use"), HttpStatusCode.Forbidden);
        using var anonymous = await factory.CreateClient().GetAsync("/api/audit/reviews/privileged-use");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [InlineData("?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", "to")]
    [InlineData("?from=2026-01-01", "from")]
    [InlineData("?to=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", "to")]
    [InlineData("?actor=op-a", "actor")]
    public async Task Review_BadInput_ProblemNamesParameter(string query, string parameter)
    {
        using var operatorHttp = factory.Operator("op-alice");

        using var response = await operatorHttp.GetAsync("/api/audit/reviews/privileged-use" + query);

        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }
}
