using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SaaSReference.Database.Audit;
using SaaSReference.Silo.Tests.Security;

namespace SaaSReference.Silo.Tests.Quotas;

/// <summary>
/// 12.1.2b/c, 12.4.3a: every act on a change request is in the audit trail before it is answered: the request,
/// a refused self-approval and the approval by another person, each with its actor and the tenant's chain.
/// </summary>
[Collection(ChangeRequestCollection.Name)]
public sealed class ChangeRequestAuditTests(SecuredSiloFactory factory)
{
    [Fact]
    public async Task RequestRefusalAndApproval_EachInTheTenantsTrail()
    {
        var tenant = await factory.CreateFrozenTenantAsync();
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var requester = factory.Operator("op-audit");
        var request = await requester.RequestAsync(new { kind = "unfreeze", tenantId = tenant, reason = "Audited request." });
        using (var self = await factory.Approver("op-audit").ApproveAsync(request))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        }
        using (var approved = await factory.Approver("ap-audit").ApproveAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        // No flush: privileged acts are committed before the answer.
        var page = await factory.Services.GetRequiredService<AuditStore>().QueryAsync(
            new AuditQuery(tenant, null, null, since, DateTimeOffset.UtcNow.AddSeconds(5), 100, null));
        var acts = page.Records.Where(r => r.Type.StartsWith("change-request.", StringComparison.Ordinal))
            .Select(r => (r.Type, r.Actor, r.Outcome)).ToList();
        Assert.Contains(("change-request.requested", "op-audit", "success"), acts);
        Assert.Contains(("change-request.refused", "op-audit", "refused"), acts);
        Assert.Contains(("change-request.approved", "ap-audit", "success"), acts);
        Assert.All(page.Records, r => Assert.Equal(AuditChains.Of(tenant), r.Chain));
    }
}
