using System.Net;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using SaaSReference.Silo.TenantData;
using static SaaSReference.Silo.Tests.ProblemAssert;
using static SaaSReference.Silo.Tests.TenantData.TenantTerminationSteps;

namespace SaaSReference.Silo.Tests.TenantData;

/// <summary>
/// 8.1.5d-f: only the tenant's own admin requests the termination of its tenant, with the typed confirmation (not a member,
/// not an operator); another tenant's admin finds none of it (404); bad requests are problems and change nothing.
/// </summary>
[Collection(TerminationCollection.Name)]
public sealed class TenantTerminationRequestTests(TerminationSilo silo)
{
    [Fact]
    public async Task AnotherTenantsAdmin_CannotRequestCancelOrSeeIt_404()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "vict", "kept");
        var stranger = await CreateTenantWithRecordAsync(silo, "strn", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        using var strangerAdmin = silo.Admin(stranger, "admin-" + stranger);

        using (var request = await strangerAdmin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "Hostile.", confirmTenantId = tenant }))
        {
            await IsProblemAsync(request, HttpStatusCode.NotFound);
        }
        await RequestAsync(admin, tenant, "Real request.");
        using (var see = await strangerAdmin.GetAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(see, HttpStatusCode.NotFound);
        }
        using (var cancel = await strangerAdmin.DeleteAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(cancel, HttpStatusCode.NotFound);
        }
        Assert.Equal("pending", (await GetTerminationAsync(admin, tenant)).GetProperty("state").GetString());

        // A member who is not an admin may not request it; an operator may read it but not request it for the tenant.
        using var member = silo.Client(silo.Tokens.TenantUser(tenant));
        using (var byMember = await member.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "No.", confirmTenantId = tenant }))
        {
            await IsProblemAsync(byMember, HttpStatusCode.Forbidden);
        }
        using var op = silo.Operator();
        using (var byOperator = await op.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "No.", confirmTenantId = tenant }))
        {
            await IsProblemAsync(byOperator, HttpStatusCode.Forbidden);
        }
        using var byOperatorRead = await op.GetAsync($"/api/tenants/{tenant}/termination");
        Assert.Equal(HttpStatusCode.OK, byOperatorRead.StatusCode);
    }

    [Fact]
    public async Task BadRequests_AreProblems_AndChangeNothing()
    {
        var tenant = await CreateTenantWithRecordAsync(silo, "bad", "kept");
        using var admin = silo.Admin(tenant, "admin-" + tenant);
        using (var wrongConfirmation = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "x", confirmTenantId = tenant + "x" }))
        {
            var problem = await IsProblemAsync(wrongConfirmation, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("confirmTenantId", out _));
        }
        using (var noReason = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { confirmTenantId = tenant }))
        {
            var problem = await IsProblemAsync(noReason, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        }
        using (var unknownField = await admin.PostAsync($"/api/tenants/{tenant}/termination",
            Json($$"""{"reason":"x","confirmTenantId":"{{tenant}}","now":true}""")))
        {
            await IsProblemAsync(unknownField, HttpStatusCode.BadRequest);
        }
        using (var notJson = await admin.PostAsync($"/api/tenants/{tenant}/termination", Json("{not json")))
        {
            await IsProblemAsync(notJson, HttpStatusCode.BadRequest);
        }
        using (var wrongType = await admin.PostAsync($"/api/tenants/{tenant}/termination", new StringContent("reason=x", Encoding.UTF8, "text/plain")))
        {
            await IsProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
        }
        using (var none = await admin.GetAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(none, HttpStatusCode.NotFound);
        }
        using (var nothingToCancel = await admin.DeleteAsync($"/api/tenants/{tenant}/termination"))
        {
            await IsProblemAsync(nothingToCancel, HttpStatusCode.NotFound);
        }
        // Not through the generic change-request endpoint: only the tenant's admin asks, with the typed confirmation.
        using var op = silo.Operator("op-generic");
        using (var generic = await op.PostAsJsonAsync("/api/change-requests", new { kind = "tenant-termination", tenantId = tenant, reason = "Via the back door." }))
        {
            var problem = await IsProblemAsync(generic, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("kind", out _));
        }

        await RequestAsync(admin, tenant, "Once.");
        using (var twice = await admin.PostAsJsonAsync($"/api/tenants/{tenant}/termination", new { reason = "Twice.", confirmTenantId = tenant }))
        {
            var problem = await IsProblemAsync(twice, HttpStatusCode.Conflict);
            Assert.Equal(TenantTerminationProblems.ExistsType, problem.GetProperty("type").GetString());
        }
        await using var platform = NpgsqlDataSource.Create(silo.PlatformConnectionString);
        Assert.Equal(1L, await ScalarAsync<long>(platform, "SELECT count(*) FROM platform.tenant_terminations WHERE tenant_id = $1", tenant));
        Assert.Equal(1L, await ScalarAsync<long>(platform,
            "SELECT count(*) FROM platform.change_requests WHERE tenant_id = $1 AND kind = 'tenant-termination'", tenant));
    }
}
